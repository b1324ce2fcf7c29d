package core

import (
	"crypto/rand"
	"io"
	"strings"
	"time"
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
