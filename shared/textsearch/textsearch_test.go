package textsearch

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSearch(t *testing.T) {
	tests := []struct {
		in                                  string
		words, negated, phrases, negPhrases []string
	}{
		{in: "cat", words: []string{"cat"}},
		{in: "  cat   dog ", words: []string{"cat", "dog"}},
		{in: "java shop -coffee", words: []string{"java", "shop"}, negated: []string{"coffee"}},
		{in: `"coffee shop"`, words: []string{"coffee", "shop"}, phrases: []string{"coffee shop"}},
		{in: `"coffee shop" java`, words: []string{"coffee", "shop", "java"}, phrases: []string{"coffee shop"}},
		{in: `-"coffee shop" java`, words: []string{"java"}, negPhrases: []string{"coffee shop"}},
		{in: `- "coffee shop"`, words: []string{"coffee", "shop"}, phrases: []string{"coffee shop"}},
		{in: `-"a b"-"c d" e`, words: []string{"e"}, negPhrases: []string{"a b", "c d"}},
		{in: "-foo-bar baz", words: []string{"baz"}, negated: []string{"foo", "bar"}},
		{in: "- foo", words: []string{"foo"}},
		{in: "foo-bar", words: []string{"foo", "bar"}},
		{in: `"a -b c"`, words: []string{"a", "b", "c"}, phrases: []string{"a -b c"}},
		{in: `a "b c`, words: []string{"a", "b", "c"}},
		{in: `""`, phrases: []string{""}},
		{in: "-cat", negated: []string{"cat"}},
		{in: "cat\tdog", words: []string{"cat\tdog"}},
		{in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s := ParseSearch(tt.in)
			assert.Equal(t, tt.in, s.Raw)
			assert.Equal(t, tt.words, s.Words, "words")
			assert.Equal(t, tt.negated, s.NegatedWords, "negated words")
			assert.Equal(t, tt.phrases, s.Phrases, "phrases")
			assert.Equal(t, tt.negPhrases, s.NegatedPhrases, "negated phrases")
		})
	}
}

func TestParseLanguage(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", LanguageEnglish, false},
		{"null", LanguageEnglish, false},
		{"en", LanguageEnglish, false},
		{"English", LanguageEnglish, false},
		{"fr", LanguageFrench, false},
		{"french", LanguageFrench, false},
		{"ES", LanguageSpanish, false},
		{"spanish", LanguageSpanish, false},
		{"de", LanguageGerman, false},
		{"german", LanguageGerman, false},
		{"none", LanguageNone, false},
		{"klingon", "", true},
		{"xx", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLanguage(tt.in)
			if tt.err {
				assert.Error(t, err)
				assert.Error(t, Options{Language: tt.in}.Validate())
				_, cerr := Compile(ParseSearch("cat"), Options{Language: tt.in})
				assert.Error(t, cerr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.NoError(t, Options{Language: tt.in}.Validate())
		})
	}
}

func TestStopWords(t *testing.T) {
	tests := []struct {
		lang, word string
		stop       bool
	}{
		{"english", "the", true},
		{"english", "don't", true},
		{"english", "cat", false},
		{"french", "être", true},
		{"french", "etre", false}, // the check keeps diacritics
		{"french", "chat", false},
		{"spanish", "estábamos", true},
		{"spanish", "gato", false},
		{"german", "über", true},
		{"german", "katze", false},
		{"none", "the", false},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.word, func(t *testing.T) {
			assert.Equal(t, tt.stop, IsStopWord(tt.word, tt.lang))
		})
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ lang, word, want string }{
		{"english", "cats", "cat"},
		{"english", "running", "run"},
		{"english", "generously", "generous"},
		{"en", "shops", "shop"},
		{"french", "chats", "chat"},
		{"french", "continuellement", "continuel"},
		{"spanish", "gatos", "gat"},
		{"spanish", "corriendo", "corr"},
		{"german", "katzen", "katz"},
		{"de", "häuser", "haus"},
		{"none", "cats", "cats"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.word, func(t *testing.T) {
			assert.Equal(t, tt.want, Stem(tt.word, tt.lang))
		})
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		name, text, lang string
		mode             tokenMode
		want             []string
	}{
		{"stop words, stems, punctuation", "The cats, and the dogs!", "english", tokenMode{}, []string{"cat", "dog"}},
		{"apostrophe is a letter in English", "don't o'brien", "english", tokenMode{}, []string{"o'brien"}},
		{"apostrophe splits elsewhere", "l'école", "french", tokenMode{}, []string{"ecol"}},
		{"hyphen and slash split", "e-mail/web", "english", tokenMode{}, []string{"e", "mail", "web"}},
		{"underscore and digits stay", "snake_case 42", "english", tokenMode{}, []string{"snake_cas", "42"}},
		{"diacritics folded after stemming", "Cafés", "english", tokenMode{}, []string{"cafe"}},
		{"diacritic sensitive", "Cafés", "english", tokenMode{diacriticSensitive: true}, []string{"café"}},
		{"case sensitive keeps case on the stem", "Cafés", "english", tokenMode{caseSensitive: true}, []string{"Cafe"}},
		{"both sensitive", "Cafés", "english", tokenMode{caseSensitive: true, diacriticSensitive: true}, []string{"Café"}},
		{"none keeps words", "the cats", "none", tokenMode{}, []string{"the", "cats"}},
		{"french", "Les élèves étaient heureux", "french", tokenMode{}, []string{"elev", "heureux"}},
		{"spanish", "Los niños estaban corriendo", "spanish", tokenMode{}, []string{"nin", "corr"}},
		{"german", "Die Häuser waren schön und groß", "german", tokenMode{}, []string{"haus", "schon", "gross"}},
		{"only delimiters", " ,.;- ", "english", tokenMode{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tokens(tt.text, tt.lang, tt.mode))
		})
	}
}

func doc(texts ...string) []Field {
	fs := make([]Field, len(texts))
	for i, tx := range texts {
		fs[i] = Field{Name: "f", Text: tx}
	}
	return fs
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name   string
		doc    []Field
		search string
		opts   Options
		want   bool
	}{
		{"stemming: cat finds cats", doc("I like cats"), "cat", Options{}, true},
		{"any term", doc("java beans"), "java shop", Options{}, true},
		{"no term", doc("tea house"), "java shop", Options{}, false},
		{"negation excludes", doc("java coffee"), "java shop -coffee", Options{}, false},
		{"negation without hit", doc("java shop"), "java shop -coffee", Options{}, true},
		{"negation is stemmed", doc("java coffees"), "java -coffee", Options{}, false},
		{"only negations match nothing", doc("tea"), "-coffee", Options{}, false},
		{"only stop words match nothing", doc("the and of"), "the", Options{}, false},
		{"phrase present", doc("the best coffee shop in town"), `"coffee shop"`, Options{}, true},
		{"phrase words apart", doc("coffee in a shop"), `"coffee shop"`, Options{}, false},
		{"phrase plus term needs the phrase", doc("java island"), `"coffee shop" java`, Options{}, false},
		{"phrase is a substring match", doc("xcoffee shopping"), `"coffee shop"`, Options{}, true},
		{"phrase in another field", doc("coffee", "coffee shop"), `"coffee shop"`, Options{}, true},
		{"all phrases needed", doc("coffee shop", "tea room"), `"coffee shop" "tea house"`, Options{}, false},
		{"negated phrase", doc("coffee shop"), `coffee -"coffee shop"`, Options{}, false},
		{"negated phrase absent", doc("coffee house"), `coffee -"coffee shop"`, Options{}, true},
		{"case insensitive by default", doc("CATS"), "cat", Options{}, true},
		{"case sensitive miss", doc("cats"), "Cat", Options{CaseSensitive: true}, false},
		{"case sensitive hit", doc("Cats"), "Cat", Options{CaseSensitive: true}, true},
		{"case sensitive phrase", doc("Coffee Shop"), `"coffee shop"`, Options{CaseSensitive: true}, false},
		{"case sensitive negation", doc("cat Dog"), "cat -dog", Options{CaseSensitive: true}, true},
		{"diacritic insensitive by default", doc("un café noir"), "cafe", Options{Language: "fr"}, true},
		{"diacritic insensitive query", doc("un cafe noir"), "café", Options{Language: "fr"}, true},
		{"diacritic sensitive miss", doc("a cafe au lait"), "café", Options{DiacriticSensitive: true}, false},
		{"diacritic sensitive hit", doc("a café au lait"), "café", Options{DiacriticSensitive: true}, true},
		// French stems café and cafe alike before diacritics are compared, as MongoDB does.
		{"diacritic sensitive after stemming", doc("un cafe noir"), "café", Options{Language: "fr", DiacriticSensitive: true}, true},
		{"diacritic-insensitive phrase", doc("crème brûlée"), `"creme brulee"`, Options{Language: "fr"}, true},
		{"diacritic-sensitive phrase", doc("crème brûlée"), `"creme brulee"`, Options{Language: "fr", DiacriticSensitive: true}, false},
		{"german stemming", doc("Die Häuser sind alt"), "Haus", Options{Language: "de"}, true},
		{"spanish stemming", doc("los gatos negros"), "gato", Options{Language: "es"}, true},
		{"none: no stemming", doc("cats"), "cat", Options{Language: "none"}, false},
		{"none: stop words are terms", doc("the end"), "the", Options{Language: "none"}, true},
		{"unsupported language", doc("cats"), "cat", Options{Language: "xx"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, score := Match(tt.doc, ParseSearch(tt.search), tt.opts)
			assert.Equal(t, tt.want, got)
			if tt.want {
				assert.Greater(t, score, 0.0)
			} else {
				assert.Zero(t, score)
			}
		})
	}
}

func TestScores(t *testing.T) {
	// Computed by hand from FTSSpec::_scoreStringV2:
	// weight × freq × (0.5 × count/numTokens + 0.5) × adjustment.
	tests := []struct {
		name   string
		doc    []Field
		search string
		want   float64
	}{
		// cats, dogs (and is a stop word): numTokens 2; cat: 1 × 1 × 0.75.
		{"one of two tokens", []Field{{Text: "cats and dogs"}}, "cat", 0.75},
		// Two query terms present: 0.75 + 0.75.
		{"two terms", []Field{{Text: "cats and dogs"}}, "cat dog", 1.5},
		// cat ×3, dog: freq 1 + 1/2 + 1/4 = 1.75, coeff 0.5×3/4 + 0.5 = 0.875.
		{"repeated term", []Field{{Text: "cat cat cat dog"}}, "cat", 1.53125},
		// Whole field equals the term: 10 × 1 × 1 × 1.1, plus 0.75 from the body.
		{"weight and exact bonus", []Field{{Name: "title", Text: "Cat", Weight: 10}, {Name: "body", Text: "cats and dogs"}}, "cat", 11.75},
		// "Cats" stems to "cat" ≠ the raw text: no bonus, 2 × 1 × 1.
		{"no bonus when stemmed", []Field{{Text: "Cats", Weight: 2}}, "cat", 2},
		// Query terms are distinct: "cats cat" scores cat once.
		{"duplicate query terms", []Field{{Text: "cats and dogs"}}, "cats cat", 0.75},
		// Negated and absent terms add nothing: dog 1 × (0.5×1/3 + 0.5).
		{"absent term", []Field{{Text: "dog bird fish"}}, "dog lizard", 0.5*1.0/3 + 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, score := Match(tt.doc, ParseSearch(tt.search), Options{})
			require.True(t, ok)
			assert.InDelta(t, tt.want, score, 1e-12)
		})
	}
}

func TestCompiledQueryReuse(t *testing.T) {
	q, err := Compile(ParseSearch("cat -dog"), Options{})
	require.NoError(t, err)
	ok, _ := q.Match(doc("cats"))
	assert.True(t, ok)
	ok, _ = q.Match(doc("cats and dogs"))
	assert.False(t, ok)
	ok, _ = q.Match(doc("birds"))
	assert.False(t, ok)
}

func TestIndexTerms(t *testing.T) {
	fields := []Field{
		{Name: "title", Text: "The Cafés of Paris"},
		{Name: "body", Text: "cafe culture, cafés and cats; CATS!"},
	}
	assert.Equal(t, []string{"cafe", "cat", "cultur", "pari"}, IndexTerms(fields, "en"))
	assert.Equal(t, []string{"and", "cafe", "cafes", "cats", "culture", "of", "paris", "the"}, IndexTerms(fields, "none"))
	assert.Empty(t, IndexTerms([]Field{{Text: "the and of"}}, "english"))
}

func TestQueryTerms(t *testing.T) {
	tests := []struct {
		name                     string
		search                   string
		opts                     Options
		anyT, required, excluded []string
	}{
		{"plain terms", "cats dogs", Options{}, []string{"cat", "dog"}, []string{}, []string{}},
		{"negation", "java shop -coffee", Options{}, []string{"java", "shop"}, []string{}, []string{"coffe"}},
		{"two-word phrase has no interior word", `"coffee shop"`, Options{}, []string{"coffe", "shop"}, []string{}, []string{}},
		{"interior phrase words are required", `"a big black cat" dog`, Options{}, []string{"big", "black", "cat", "dog"}, []string{"big", "black"}, []string{}},
		{"stop words drop out", `"the cat of the house"`, Options{}, []string{"cat", "hous"}, []string{"cat"}, []string{}},
		{"case sensitive: no exclusion by folded terms", "Cat -Dog", Options{CaseSensitive: true}, []string{"cat"}, []string{}, []string{}},
		{"diacritic sensitive: no exclusion", "café -thé", Options{DiacriticSensitive: true}, []string{"cafe"}, []string{}, []string{}},
		{"only negations", "-cat", Options{}, []string{}, []string{}, []string{"cat"}},
		{"negated phrase is not excluded by terms", `cat -"big dog"`, Options{}, []string{"cat"}, []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, r, e := QueryTerms(ParseSearch(tt.search), tt.opts)
			assert.Equal(t, tt.anyT, a, "any")
			assert.Equal(t, tt.required, r, "required")
			assert.Equal(t, tt.excluded, e, "excluded")
		})
	}
}

// The index plan must never lose a document Match accepts.
func TestQueryTermsNeverMissMatches(t *testing.T) {
	docs := [][]Field{
		doc("the best coffee shop in town"),
		doc("xcoffee shopping street"),
		doc("a big black cat"),
		doc("big black cats and dogs"),
		doc("Java coffee"),
		doc("crème brûlée"),
	}
	searches := []string{`"coffee shop"`, `"a big black cat"`, `"black cat" -dog`, `java -coffee`, `"creme brulee"`, `big "black cats and"`}
	for _, s := range searches {
		search := ParseSearch(s)
		for _, opts := range []Options{{}, {CaseSensitive: true}, {DiacriticSensitive: true}, {Language: "fr"}} {
			anyT, req, exc := QueryTerms(search, opts)
			for _, d := range docs {
				ok, _ := Match(d, search, opts)
				if !ok {
					continue
				}
				terms := map[string]bool{}
				for _, t := range IndexTerms(d, opts.Language) {
					terms[t] = true
				}
				hasAny := false
				for _, a := range anyT {
					hasAny = hasAny || terms[a]
				}
				assert.True(t, hasAny, "%q %+v %v: no any-term", s, opts, d)
				for _, r := range req {
					assert.True(t, terms[r], "%q %+v %v: lacks required %q", s, opts, d, r)
				}
				for _, e := range exc {
					assert.False(t, terms[e], "%q %+v %v: has excluded %q", s, opts, d, e)
				}
			}
		}
	}
}

func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"cat", `"coffee shop" -java`, `-"a b"-"c d"`, "- -- \"\"", "caf\u00e9 \t\u00fcber", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := ParseSearch(s)
		if p.Raw != s {
			t.Fatalf("raw changed")
		}
		for _, w := range append(append([]string{}, p.Words...), p.NegatedWords...) {
			if w == "" {
				t.Fatalf("empty word from %q", s)
			}
		}
		q, err := Compile(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ok, score := q.Match(doc(s))
		if !ok && score != 0 {
			t.Fatalf("score %v without a match", score)
		}
		if utf8.ValidString(s) && len(p.Phrases) == 0 && len(p.NegatedWords) == 0 && len(p.NegatedPhrases) == 0 {
			// A document made of the search's own words matches it whenever
			// the search has a term.
			a, _, _ := QueryTerms(p, Options{})
			if len(a) > 0 && !ok {
				t.Fatalf("%q does not match itself", s)
			}
		}
	})
}
