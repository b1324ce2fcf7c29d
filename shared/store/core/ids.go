package core

import (
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hapihub/hapihub/shared/schema"
)

// crockford is Crockford's base32 alphabet: ids stay readable and sort as their bytes do.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID returns prefix_ followed by 26 characters: 10 of creation time in ms and 16 of
// randomness (80 bits). Ids of one resource therefore sort by creation time, which gives lists a
// stable natural order without a second index.
func NewID(prefix string, t time.Time) string { return IDFrom(prefix, t, rand.Reader) }

// IDFrom is NewID with a chosen randomness source, for deterministic seed data.
func IDFrom(prefix string, t time.Time, rnd io.Reader) string {
	var b [26]byte
	ms := uint64(t.UnixMilli())
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	var r [10]byte
	if _, err := io.ReadFull(rnd, r[:]); err != nil {
		panic("store: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	// 80 bits -> 16 base32 characters.
	var acc uint64
	bits, pos := 0, 10
	for _, by := range r {
		acc = acc<<8 | uint64(by)
		bits += 8
		for bits >= 5 {
			b[pos] = crockford[(acc>>(bits-5))&31]
			pos++
			bits -= 5
		}
	}
	return prefix + "_" + string(b[:])
}

// IDTime reads the creation time an id begins with (NewID); false when id is not one.
func IDTime(id string) (time.Time, bool) {
	_, rest, ok := strings.Cut(id, "_")
	if !ok || len(rest) != 26 {
		return time.Time{}, false
	}
	var ms int64
	for i := 0; i < 10; i++ {
		v := strings.IndexByte(crockford, rest[i])
		if v < 0 {
			return time.Time{}, false
		}
		ms = ms<<5 | int64(v)
	}
	return time.UnixMilli(ms), true
}

// IDTimed says whether res's objects have createdAt equal to their id's time (the clinical
// resources: core.newObject and the sandbox's seeds build both from one time; organizations are
// fixtures whose ids carry none). The planner reads createdAt order as id order on them.
func IDTimed(res *schema.Resource) bool { return slices.Contains(schema.ClinicalResources, res.Name) }

// CheckIDTime refuses an object of an id-timed resource whose createdAt is not its id's time
// (SeedObjects writes prepared objects: they must keep what the planner relies on).
func CheckIDTime(res *schema.Resource, d map[string]any) error {
	if !IDTimed(res) {
		return nil
	}
	id, _ := d["id"].(string)
	at, ok := IDTime(id)
	if !ok || !strings.HasPrefix(id, res.Prefix+"_") {
		return fmt.Errorf("store: %s id %q is not a %s_ id with its creation time (core.NewID)", res.Object, id, res.Prefix)
	}
	if ms, isInt := d["createdAt"].(int64); !isInt || ms != at.UnixMilli() {
		return fmt.Errorf("store: %s %s has createdAt %v, but its id was made at %d: build both from one time (core.IDFrom)", res.Object, id, d["createdAt"], at.UnixMilli())
	}
	return nil
}

// TimePrefix is NewIDPrefix at ms, clamped to the ids' range: before 1970 every id is later,
// from 2^50 ms (year 37,648) on every id is earlier.
func TimePrefix(prefix string, ms int64) string {
	switch {
	case ms < 0:
		return prefix + "_"
	case ms >= 1<<50:
		return prefix + "_~" // above every Crockford character
	}
	return NewIDPrefix(prefix, time.UnixMilli(ms))
}
