package textsearch

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Surface tokens feed a phrase index of adjacent token pairs. A phrase matches a field when its
// folded text is a substring of the field's folded text (phraseMatches), so if the folded
// phrase splits (on delimiters) into t0..tk with k >= 1, the field's folded text has
// consecutive tokens d0..dk with d0 ending with t0, dk starting with tk and the others equal to
// t1..t(k-1): the pairs (d_i, d_i+1) of the field narrow the documents a phrase can match.
// Surface tokens are neither stemmed nor stripped of stop words, and the delimiters are
// English's (the apostrophe is part of a word) whatever the search language, since phrases
// match as substrings in every language.

// IndexFold is the folding of the text a pair index is built from: case- and diacritic-folded
// exactly as a phrase without options is compared (phraseMatches).
func IndexFold(s string) string { return stripDiacritics(foldCase(s)) }

// SurfaceTokens are the surface tokens of a field's text for the pair index. ok is false when
// the field's text folds differently under the folding a case- or diacritic-sensitive phrase is
// compared with, so the pairs could miss such a phrase (rare: characters whose case mapping and
// decomposition do not commute, or marks that recompose); the document must then be found some
// other way.
func SurfaceTokens(text string) (toks []string, ok bool) {
	if !utf8.ValidString(text) {
		return nil, false // byte substrings of invalid text need not fall on runes
	}
	folded := IndexFold(text)
	// A case-sensitive phrase P matches when strip(P) ⊂ strip(T); foldCase is rune-wise, so
	// foldCase(strip(P)) ⊂ foldCase(strip(T)), which must be the indexed text.
	// A diacritic-sensitive one matches when foldCase(P) ⊂ foldCase(T) (or P ⊂ T with both
	// options); dropMarks is rune-wise, so the same holds through dropMarks∘foldCase.
	ok = foldCase(stripDiacritics(text)) == folded && dropMarks(foldCase(text)) == folded
	return splitSurface(folded), ok
}

// PhraseTokens are the surface tokens of a phrase compared with the given options' folding,
// mapped so they are substrings of the indexed text of every field the phrase matches (see
// SurfaceTokens).
// An invalid UTF-8 phrase has none: it could match inside a rune's encoding.
func PhraseTokens(phrase string, opts Options) []string {
	if !utf8.ValidString(phrase) {
		return nil
	}
	var folded string
	switch {
	case !opts.CaseSensitive && !opts.DiacriticSensitive:
		folded = IndexFold(phrase)
	case !opts.DiacriticSensitive:
		folded = foldCase(stripDiacritics(phrase))
	default:
		folded = dropMarks(foldCase(phrase))
	}
	return splitSurface(folded)
}

// dropMarks removes diacritic marks rune by rune (a precomposed letter loses its marks, a
// combining diacritic disappears), without the recomposition stripDiacritics does, so that it
// maps substrings to substrings.
func dropMarks(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			if unicode.Is(unicode.Mn, d) && unicode.Is(unicode.Diacritic, d) {
				continue
			}
			b.WriteRune(d)
		}
	}
	return b.String()
}

func splitSurface(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if isDelimiter(r, true) {
			if start >= 0 {
				out = append(out, s[start:i])
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// ReverseRunes reverses a token rune by rune, so that "a ends with t" becomes a prefix test
// (a begins_with key condition).
func ReverseRunes(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
