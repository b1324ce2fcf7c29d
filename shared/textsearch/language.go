package textsearch

import (
	"embed"
	"fmt"
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
	"github.com/kljensen/snowball/spanish"
)

// Canonical language names, as MongoDB spells them.
const (
	LanguageNone    = "none"
	LanguageEnglish = "english"
	LanguageFrench  = "french"
	LanguageSpanish = "spanish"
	LanguageGerman  = "german"
)

// DefaultLanguage is used when a search names none (MongoDB's default).
const DefaultLanguage = LanguageEnglish

// languageAliases maps lower-cased names and ISO 639-1 codes to the
// canonical name, as MongoDB's FTSLanguage does.
var languageAliases = map[string]string{
	"none": LanguageNone,
	"en":   LanguageEnglish, "english": LanguageEnglish,
	"fr": LanguageFrench, "french": LanguageFrench,
	"es": LanguageSpanish, "spanish": LanguageSpanish,
	"de": LanguageGerman, "german": LanguageGerman,
}

// ParseLanguage resolves a language name or two-letter code
// (case-insensitive) to its canonical name. The empty string and "null" (what
// the API guide's query-string example sends for "no language", docs/decisions.md#query-language) give the default.
func ParseLanguage(s string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "" || l == "null" {
		return DefaultLanguage, nil
	}
	if c, ok := languageAliases[l]; ok {
		return c, nil
	}
	return "", fmt.Errorf("textsearch: unsupported language %q", s)
}

// resolveLanguage is ParseLanguage for places that cannot fail; callers are
// expected to have validated the language (Options.Validate).
func resolveLanguage(s string) string {
	if l, err := ParseLanguage(s); err == nil {
		return l
	}
	return DefaultLanguage
}

//go:embed stopwords/*.txt
var stopWordFiles embed.FS

// stopWords are read at first use, not at package init: a function that never searches (the
// authorizer, the webhook workers) does not pay for them at cold start.
var stopWords = sync.OnceValue(func() map[string]map[string]bool {
	sets := map[string]map[string]bool{}
	for _, lang := range []string{LanguageEnglish, LanguageFrench, LanguageSpanish, LanguageGerman} {
		b, err := stopWordFiles.ReadFile("stopwords/" + lang + ".txt")
		if err != nil {
			panic(fmt.Sprintf("textsearch: stop words for %s: %v", lang, err))
		}
		set := map[string]bool{}
		for _, w := range strings.Split(string(b), "\n") {
			if w = strings.TrimSpace(w); w != "" {
				set[w] = true
			}
		}
		sets[lang] = set
	}
	return sets
})

// IsStopWord reports whether the lower-cased word is a stop word of the
// (canonical) language; "none" has none.
func IsStopWord(word, language string) bool {
	return stopWords()[resolveLanguage(language)][word]
}

// Stem returns the Snowball stem of a lower-cased word; "none" leaves it.
func Stem(word, language string) string {
	switch resolveLanguage(language) {
	case LanguageEnglish:
		return english.Stem(word, true)
	case LanguageFrench:
		return french.Stem(word, true)
	case LanguageSpanish:
		return spanish.Stem(word, true)
	case LanguageGerman:
		return stemGerman(word)
	}
	return word
}
