// Package textsearch implements MongoDB's $text search semantics for the
// `$search` query operator: query parsing (terms, "phrases", -negations),
// tokenizing with MongoDB's delimiters and stop words, Snowball stemming,
// case and diacritic folding, matching and MongoDB's textScore.
//
// It also says what a DynamoDB term index needs: IndexTerms gives the
// posting-list keys of a document and QueryTerms the lists a search reads.
package textsearch

import (
	"fmt"
	"sort"
	"strings"
)

// Options are the $search options other than the text.
type Options struct {
	// Language is a name or two-letter code; empty means DefaultLanguage and
	// "none" means no stemming and no stop words.
	Language           string
	CaseSensitive      bool
	DiacriticSensitive bool
}

// Validate reports an unsupported language, which MongoDB refuses.
func (o Options) Validate() error {
	if _, err := ParseLanguage(o.Language); err != nil {
		return fmt.Errorf("textsearch: options: %w", err)
	}
	return nil
}

func (o Options) mode() tokenMode {
	return tokenMode{caseSensitive: o.CaseSensitive, diacriticSensitive: o.DiacriticSensitive}
}

// Field is one searchable string of a document. Weight ≤ 0 means 1.
type Field struct {
	Name   string
	Text   string
	Weight int
}

func (f Field) weight() float64 {
	if f.Weight <= 0 {
		return 1
	}
	return float64(f.Weight)
}

// Search is a parsed $search string, before any language processing.
type Search struct {
	// Raw is the search string as given.
	Raw string
	// Words are the words that count as positive terms (any of them may
	// match), including the words of positive phrases.
	Words []string
	// NegatedWords exclude a document containing any of them.
	NegatedWords []string
	// Phrases must all occur in the document.
	Phrases []string
	// NegatedPhrases must not occur in the document.
	NegatedPhrases []string
}

type queryToken struct {
	text      bool // a run of text, else a delimiter ('-' or '"')
	data      string
	offset    int
	prevSpace bool
}

// isQuerySpace is MongoDB's FTSQueryParser whitespace; note tab is text
// there (the tokenizer splits on it later).
func isQuerySpace(c byte) bool {
	switch c {
	case '\n', '\v', '\f', '\r', ' ':
		return true
	}
	return false
}

func lexQuery(s string) []queryToken {
	var toks []queryToken
	pos := 0
	skip := func() bool {
		start := pos
		for pos < len(s) && isQuerySpace(s[pos]) {
			pos++
		}
		return pos > start
	}
	skip()
	prev := true
	for pos < len(s) {
		start := pos
		c := s[pos]
		pos++
		isText := c != '-' && c != '"'
		if isText {
			for pos < len(s) && !isQuerySpace(s[pos]) && s[pos] != '-' && s[pos] != '"' {
				pos++
			}
		}
		toks = append(toks, queryToken{text: isText, data: s[start:pos], offset: start, prevSpace: prev})
		prev = skip()
	}
	return toks
}

// ParseSearch parses a $search string as MongoDB's FTSQueryImpl::parse does.
// A '-' right before a word or phrase (after whitespace) negates it and the
// negation runs to the next whitespace ("-foo-bar" negates both); words in a
// negated phrase are not terms; an unterminated phrase adds only its words.
func ParseSearch(s string) Search {
	out := Search{Raw: s}
	inNegation, inPhrase := false, false
	quoteOffset := 0
	for _, t := range lexQuery(s) {
		if t.text {
			if inPhrase && inNegation {
				continue
			}
			if inNegation && t.prevSpace {
				inNegation = false
			}
			if inNegation {
				out.NegatedWords = append(out.NegatedWords, t.data)
			} else {
				out.Words = append(out.Words, t.data)
			}
			continue
		}
		switch t.data {
		case "-":
			if !inPhrase && t.prevSpace {
				inNegation = true
			}
		case `"`:
			if inPhrase {
				phrase := s[quoteOffset+1 : t.offset]
				if inNegation {
					out.NegatedPhrases = append(out.NegatedPhrases, phrase)
				} else {
					out.Phrases = append(out.Phrases, phrase)
				}
				inPhrase = false
			} else {
				inPhrase = true
				if inNegation && t.prevSpace {
					inNegation = false
				}
				quoteOffset = t.offset
			}
		}
	}
	return out
}

// Query is a Search compiled for one set of options; it can be matched
// against many documents.
type Query struct {
	search   Search
	opts     Options
	language string
	// bounds are the folded positive terms: what the index is read with and
	// what the score sums over.
	bounds []string
	// positive and negated are in the options' case/diacritic sensitivity.
	positive map[string]bool
	negated  map[string]bool
}

func set(words []string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

func distinctSorted(words []string) []string {
	m := set(words)
	out := make([]string, 0, len(m))
	for w := range m {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// Compile prepares a search; it fails only on an unsupported language.
func Compile(s Search, opts Options) (*Query, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	lang := resolveLanguage(opts.Language)
	pos := strings.Join(s.Words, " ")
	neg := strings.Join(s.NegatedWords, " ")
	return &Query{
		search:   s,
		opts:     opts,
		language: lang,
		bounds:   distinctSorted(tokens(pos, lang, tokenMode{})),
		positive: set(tokens(pos, lang, opts.mode())),
		negated:  set(tokens(neg, lang, opts.mode())),
	}, nil
}

// Match compiles and matches in one call; an unsupported language matches
// nothing (validate options first to answer 400 instead).
func Match(doc []Field, s Search, opts Options) (matched bool, score float64) {
	q, err := Compile(s, opts)
	if err != nil {
		return false, 0
	}
	return q.Match(doc)
}

// Match says whether doc satisfies the search as MongoDB's $text would, and
// its textScore: at least one positive term, no negated term, every phrase
// and no negated phrase. A search without positive terms (only negations or
// stop words) matches nothing, as in MongoDB.
func (q *Query) Match(doc []Field) (matched bool, score float64) {
	if len(q.bounds) == 0 {
		return false, 0
	}
	scores := TermScores(doc, q.language)
	found := false
	for _, t := range q.bounds {
		if s, ok := scores[t]; ok {
			found = true
			score += s
		}
	}
	if !found {
		return false, 0
	}
	mode := q.opts.mode()
	sensitive := mode.caseSensitive || mode.diacriticSensitive
	if sensitive && !q.docHasAny(doc, q.positive, mode) {
		return false, 0
	}
	if len(q.negated) > 0 && q.docHasAny(doc, q.negated, mode) {
		return false, 0
	}
	for _, p := range q.search.Phrases {
		if !docHasPhrase(doc, p, mode) {
			return false, 0
		}
	}
	for _, p := range q.search.NegatedPhrases {
		if docHasPhrase(doc, p, mode) {
			return false, 0
		}
	}
	return true, score
}

func (q *Query) docHasAny(doc []Field, terms map[string]bool, mode tokenMode) bool {
	for _, f := range doc {
		for _, t := range tokens(f.Text, q.language, mode) {
			if terms[t] {
				return true
			}
		}
	}
	return false
}

func docHasPhrase(doc []Field, phrase string, mode tokenMode) bool {
	for _, f := range doc {
		if phraseMatches(phrase, f.Text, mode) {
			return true
		}
	}
	return false
}

// TermScores is MongoDB's FTSSpec::scoreDocument for text index version 3:
// per field, each distinct term scores
//
//	weight × freq × (0.5 × count/numTokens + 0.5) × adjustment
//
// where count is the term's occurrences, numTokens the field's tokens after
// stop words, freq = 1 + 1/2 + 1/4 + … over the occurrences, and adjustment
// is 1.1 when the whole field text equals the term (ASCII case-insensitively),
// else 1. Scores of the same term in several fields add up.
func TermScores(fields []Field, language string) map[string]float64 {
	lang := resolveLanguage(language)
	scores := map[string]float64{}
	for _, f := range fields {
		toks := tokens(f.Text, lang, tokenMode{})
		if len(toks) == 0 {
			continue
		}
		type helper struct{ freq, count, exp float64 }
		terms := map[string]*helper{}
		for _, t := range toks {
			h := terms[t]
			if h == nil {
				h = &helper{}
				terms[t] = h
			}
			if h.exp != 0 {
				h.exp *= 2
			} else {
				h.exp = 1
			}
			h.count++
			h.freq += 1 / h.exp
		}
		numTokens := float64(len(toks))
		for term, h := range terms {
			coeff := 0.5*h.count/numTokens + 0.5
			adjustment := 1.0
			if len(f.Text) == len(term) && equalFoldASCII(f.Text, term) {
				adjustment += 0.1
			}
			scores[term] += f.weight() * h.freq * coeff * adjustment
		}
	}
	return scores
}

// equalFoldASCII is MongoDB's StringData::equalCaseInsensitive (ASCII only).
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// IndexTerms are the distinct posting-list keys of a document: stemmed,
// lower-cased, diacritic-folded terms without stop words, sorted.
func IndexTerms(fields []Field, language string) []string {
	lang := resolveLanguage(language)
	var all []string
	for _, f := range fields {
		all = append(all, tokens(f.Text, lang, tokenMode{})...)
	}
	return distinctSorted(all)
}

// QueryTerms says which posting lists (IndexTerms keys) a search reads.
// Candidates are the documents holding at least one of `any` and every one
// of `required`, minus those holding any of `excluded`; each candidate must
// then be confirmed with Match (phrases, case and diacritic sensitivity).
//
//   - any: every positive term, phrase words included (MongoDB needs one).
//     Empty means the search matches nothing.
//   - required: the terms of phrase words a phrase bounds on both sides.
//     Phrases match as substrings, so "coffee shop" also matches
//     "xcoffee shopping": only interior words are sure to be whole tokens.
//   - excluded: the negated terms, only for case- and diacritic-insensitive
//     searches (a folded term would exclude too much otherwise).
func QueryTerms(search Search, opts Options) (anyTerms, required, excluded []string) {
	lang := resolveLanguage(opts.Language)
	anyTerms = distinctSorted(tokens(strings.Join(search.Words, " "), lang, tokenMode{}))
	var req []string
	for _, p := range search.Phrases {
		req = append(req, tokens(strings.Join(interiorWords(p, lang), " "), lang, tokenMode{})...)
	}
	required = distinctSorted(req)
	if !opts.CaseSensitive && !opts.DiacriticSensitive {
		excluded = distinctSorted(tokens(strings.Join(search.NegatedWords, " "), lang, tokenMode{}))
	} else {
		excluded = []string{}
	}
	return anyTerms, required, excluded
}

// interiorWords are the words of a phrase with a delimiter on both sides
// inside the phrase.
func interiorWords(phrase, language string) []string {
	english := resolveLanguage(language) == LanguageEnglish
	var out []string
	start := -1
	for i, r := range phrase {
		if isDelimiter(r, english) {
			if start > 0 {
				out = append(out, phrase[start:i])
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return out
}
