package osrelease

import (
	"strings"
	"time"
)

// eolTable holds end-of-security-support dates (the last date on which
// updates are published, LTS included for Debian and standard support for
// Ubuntu). Keys are os-release ID and the release part of VERSION_ID that
// identifies a branch: major for Debian, "YY.MM" for Ubuntu, "3.N" for
// Alpine. Sources: the distributions' release pages (as summarised by
// endoflife.date); dates in the future are the announced ones.
var eolTable = map[string]map[string]string{
	"debian": {
		"7": "2018-05-31", "8": "2020-06-30", "9": "2022-06-30",
		"10": "2024-06-30", "11": "2026-08-31", "12": "2028-06-30",
		"13": "2030-06-30",
	},
	"ubuntu": {
		"14.04": "2019-04-30", "16.04": "2021-04-30", "18.04": "2023-05-31",
		"20.04": "2025-05-31", "20.10": "2021-07-22", "21.04": "2022-01-20",
		"21.10": "2022-07-14", "22.04": "2027-06-01", "22.10": "2023-07-20",
		"23.04": "2024-01-25", "23.10": "2024-07-11", "24.04": "2029-05-31",
		"24.10": "2025-07-10", "25.04": "2026-01-15", "25.10": "2026-07-09",
	},
	"alpine": {
		"3.10": "2021-05-01", "3.11": "2021-11-01", "3.12": "2022-05-01",
		"3.13": "2022-11-01", "3.14": "2023-05-01", "3.15": "2023-11-01",
		"3.16": "2024-05-23", "3.17": "2024-11-22", "3.18": "2025-05-09",
		"3.19": "2025-11-01", "3.20": "2026-04-01", "3.21": "2026-11-01",
		"3.22": "2027-05-01", "3.23": "2027-11-01",
	},
}

// EOL returns the end of support of a release, or the zero time when it is
// not in the table.
func EOL(id, versionID string) time.Time {
	t := eolTable[id]
	if t == nil {
		return time.Time{}
	}
	key := versionID
	switch id {
	case "debian":
		key = major(versionID)
	case "ubuntu", "alpine":
		parts := strings.SplitN(versionID, ".", 3)
		if len(parts) >= 2 {
			key = parts[0] + "." + parts[1]
		}
	}
	d, ok := t[key]
	if !ok {
		return time.Time{}
	}
	tm, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return time.Time{}
	}
	return tm
}

// Status is the support status of a distribution at a given time.
type Status string

// Status values.
const (
	StatusSupported Status = "supported"
	StatusEOL       Status = "eol"
	StatusUnknown   Status = "unknown"
)

// SupportStatus reports whether info is supported at now.
func SupportStatus(info *Info, now time.Time) Status {
	if info == nil || info.EOL.IsZero() {
		return StatusUnknown
	}
	if now.After(info.EOL) {
		return StatusEOL
	}
	return StatusSupported
}
