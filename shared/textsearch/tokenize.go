package textsearch

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// isDelimiter follows MongoDB's codepointIsDelimiter: code points with the
// Unicode properties White_Space, Dash, Hyphen, Quotation_Mark,
// Terminal_Punctuation, Pattern_Syntax or Sentence_Terminal, except that for
// English the apostrophe is part of a word ("don't" is one token).
func isDelimiter(r rune, english bool) bool {
	if r == '\'' && english {
		return false
	}
	return unicode.In(r, unicode.White_Space, unicode.Dash, unicode.Hyphen,
		unicode.Quotation_Mark, unicode.Terminal_Punctuation, unicode.Pattern_Syntax,
		unicode.Sentence_Terminal)
}

// foldCase lower-cases rune by rune (simple case folding, so ß stays ß and
// the length in code points is kept).
func foldCase(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, s)
}

// stripDiacritics decomposes s and drops the diacritic marks, so é → e and
// ü → u; letters without a decomposition (ø, ł) stay.
func stripDiacritics(s string) string {
	isASCII := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			isASCII = false
			break
		}
	}
	if isASCII {
		return s
	}
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) && unicode.Is(unicode.Diacritic, r) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

type tokenMode struct {
	caseSensitive      bool
	diacriticSensitive bool
}

// tokens splits text into MongoDB text-index tokens: split on delimiters,
// drop stop words (checked lower-cased, diacritics kept), stem, then fold
// diacritics unless the mode keeps them. A case-sensitive mode keeps the
// word's own case on the stem.
func tokens(text, language string, mode tokenMode) []string {
	lang := resolveLanguage(language)
	english := lang == LanguageEnglish
	var out []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		raw := text[start:end]
		start = -1
		lower := foldCase(raw)
		if IsStopWord(lower, lang) {
			return
		}
		word := Stem(lower, lang)
		if mode.caseSensitive {
			word = restoreCase(raw, lower, word)
		}
		if !mode.diacriticSensitive {
			word = stripDiacritics(word)
		}
		if word != "" {
			out = append(out, word)
		}
	}
	for i, r := range text {
		if isDelimiter(r, english) {
			flush(i)
		} else if start < 0 {
			start = i
		}
	}
	flush(len(text))
	return out
}

// restoreCase gives a stem computed on the lower-cased word the case of the
// original word when the stem is a prefix of it (the usual case: stemming
// strips endings); otherwise the stem is returned as it is.
func restoreCase(raw, lower, stem string) string {
	if !strings.HasPrefix(lower, stem) {
		return stem
	}
	rawRunes := []rune(raw)
	n := utf8.RuneCountInString(stem)
	if len(rawRunes) != utf8.RuneCountInString(lower) || n > len(rawRunes) {
		return stem
	}
	return string(rawRunes[:n])
}

// phraseMatches is MongoDB's substring phrase match: case-folded and
// diacritic-folded unless the options keep them.
func phraseMatches(phrase, text string, mode tokenMode) bool {
	if !mode.caseSensitive {
		phrase, text = foldCase(phrase), foldCase(text)
	}
	if !mode.diacriticSensitive {
		phrase, text = stripDiacritics(phrase), stripDiacritics(text)
	}
	return strings.Contains(text, phrase)
}
