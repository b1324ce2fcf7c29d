package api

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Any string written with every character as \u escapes (pairs above U+FFFF) passes and decodes
// to itself; every prefix of such bodies is judged without a panic.
func TestCheckUnicodeAcceptsEscapedStrings(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		var runes []rune
		for range rnd.IntN(8) {
			r := rune(rnd.IntN(0x110000))
			if r >= 0xD800 && r <= 0xDFFF {
				r = 'x'
			}
			runes = append(runes, r)
		}
		var b strings.Builder
		b.WriteString(`{"s":"`)
		for _, u := range utf16.Encode(runes) {
			fmt.Fprintf(&b, `\u%04x`, u)
		}
		b.WriteString(`\\u","t":"\"\\"}`)
		body := []byte(b.String())
		require.NoError(t, checkUnicode(body), "%s", body)
		var v map[string]string
		require.NoError(t, json.Unmarshal(body, &v))
		assert.Equal(t, string(runes)+`\u`, v["s"])
		for i := range body {
			_ = checkUnicode(body[:i])
		}
	}
}
