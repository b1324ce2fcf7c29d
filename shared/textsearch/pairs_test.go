package textsearch

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSurfaceTokens(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
		ok   bool
	}{
		{"12 Kalo Street", []string{"12", "kalo", "street"}, true},
		{"The O'Brien-Müller house, Café", []string{"the", "o'brien", "muller", "house", "cafe"}, true},
		{"ann12@example.com", []string{"ann12", "example", "com"}, true},
		{"  ", nil, true},
		{"E\u0301COLE", []string{"ecole"}, true},
		{"bad \xff byte", nil, false},
	} {
		got, ok := SurfaceTokens(tc.text)
		require.Equal(t, tc.want, got, tc.text)
		require.Equal(t, tc.ok, ok, tc.text)
	}
}

func TestPhraseTokens(t *testing.T) {
	for _, tc := range []struct {
		phrase string
		opts   Options
		want   []string
	}{
		{"12 Kalo Street", Options{}, []string{"12", "kalo", "street"}},
		{" alo Str", Options{}, []string{"alo", "str"}},
		{"Müller", Options{CaseSensitive: true}, []string{"muller"}},
		{"MÜLLER st", Options{DiacriticSensitive: true}, []string{"muller", "st"}},
		{"x \xffy", Options{}, nil},
	} {
		require.Equal(t, tc.want, PhraseTokens(tc.phrase, tc.opts), tc.phrase)
	}
}

// TestPairsBoundPhraseMatches checks the property the pair index relies on, for every option
// combination: when a phrase of k+1 >= 2 tokens matches a field whose tokens are ok, the field
// has consecutive tokens d0..dk with d0 ending with t0, dk starting with tk and equal interior
// tokens.
func TestPairsBoundPhraseMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	alphabet := []string{"a", "b", "A", "é", "É", "e\u0301", "ü", " ", "-", ".", "'", "1", "ß", "İ", "ø"}
	gen := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	checked := 0
	for range 20000 {
		text := gen(4 + r.IntN(12))
		var phrase string
		if r.IntN(2) == 0 {
			// A piece of the text itself, so that matches are frequent.
			runes := []rune(text)
			i := r.IntN(len(runes))
			phrase = string(runes[i : i+r.IntN(len(runes)-i)+1])
		} else {
			phrase = gen(2 + r.IntN(4))
		}
		doc, ok := SurfaceTokens(text)
		if !ok {
			continue
		}
		for _, opts := range []Options{{}, {CaseSensitive: true}, {DiacriticSensitive: true}, {CaseSensitive: true, DiacriticSensitive: true}} {
			toks := PhraseTokens(phrase, opts)
			if len(toks) < 2 || !phraseMatches(phrase, text, opts.mode()) {
				continue
			}
			checked++
			require.True(t, boundsHold(doc, toks), "text %q phrase %q opts %+v: doc %q phrase tokens %q", text, phrase, opts, doc, toks)
		}
	}
	require.Greater(t, checked, 1000, "the generator must produce matching phrases")
}

func boundsHold(doc, toks []string) bool {
	k := len(toks) - 1
	for j := 0; j+k < len(doc); j++ {
		ok := strings.HasSuffix(doc[j], toks[0]) && strings.HasPrefix(doc[j+k], toks[k])
		for i := 1; i < k && ok; i++ {
			ok = doc[j+i] == toks[i]
		}
		if ok {
			return true
		}
	}
	return false
}

func TestReverseRunes(t *testing.T) {
	require.Equal(t, "olak", ReverseRunes("kalo"))
	require.Equal(t, "éf", ReverseRunes("fé"))
	require.Equal(t, "", ReverseRunes(""))
}
