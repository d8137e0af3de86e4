// Package vulndb is vigil's local OSV vulnerability database: Update
// downloads OSV ecosystem archives (the public bucket, a mirror URL or a
// local directory) and imports them into one bbolt file per ecosystem,
// indexed by package; Open and Query read it in time independent of its
// size. See docs/database.md for the layout and guarantees, and
// docs/decisions/vulndb-store.md for the design.
package vulndb
