// Package hugepages asks Linux to back the Go heap with transparent huge
// pages, as the JVM's -XX:+UseTransparentHugePages does, when the system
// leaves that choice to the program (/sys/kernel/mm/transparent_hugepage/
// enabled = madvise, the default of many distributions).
//
// A scan is a short process that allocates tens of megabytes once: with
// 4 KiB pages it takes a page fault for each, and in a virtual machine
// those faults were 40% of a lockfile scan (docs/decisions/startup.md).
// The advice is given in an init function of this package, which has no
// dependencies beyond the standard library and so runs before the heavy
// initialisation of the libraries Vigil links (OPA, Helm, Kubernetes).
//
// Where the mode is always or never it does nothing. Import it for its
// side effect from package main only. GODEBUG=disablethp=1
// (Go's own switch for huge pages) or VIGIL_HUGEPAGES=0 turns it off.
package hugepages
