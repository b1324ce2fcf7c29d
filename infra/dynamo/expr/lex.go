package expr

import (
	"strings"
)

type tokType uint8

const (
	tEOF     tokType = iota
	tIdent           // attribute name, keyword or function name
	tName            // #name placeholder
	tValue           // :value placeholder
	tNumber          // list index digits
	tPunct           // = <> < <= > >= ( ) [ ] . , + -
	tIllegal         // any other character
)

type token struct {
	typ        tokType
	text       string
	start, end int
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isContinuationByte(c byte) bool { return c&0xC0 == 0x80 }

// scanWhile returns the index of the first byte from i on that ok rejects (or len(s)).
func scanWhile(s string, i int, ok func(byte) bool) int {
	for i < len(s) && ok(s[i]) {
		i++
	}
	return i
}

// lex splits an expression into tokens; it never fails: characters outside the
// grammar become tIllegal tokens so the parser reports them as DynamoDB does,
// as a syntax error at that token.
func lex(s string) []token {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isIdentStart(c):
			i = scanWhile(s, i, isIdentPart)
			toks = append(toks, token{tIdent, s[start:i], start, i})
		case isDigit(c):
			i = scanWhile(s, i, isDigit)
			toks = append(toks, token{tNumber, s[start:i], start, i})
		case c == '#' || c == ':':
			i = scanWhile(s, i+1, isIdentPart)
			typ := tName
			if c == ':' {
				typ = tValue
			}
			toks = append(toks, token{typ, s[start:i], start, i})
		case c == '<' || c == '>':
			i++
			if i < len(s) && (s[i] == '=' || (c == '<' && s[i] == '>')) {
				i++
			}
			toks = append(toks, token{tPunct, s[start:i], start, i})
		case strings.IndexByte("=()[].,+-", c) >= 0:
			i++
			toks = append(toks, token{tPunct, s[start:i], start, i})
		default:
			// One whole UTF-8 character, so the message quotes it intact.
			i = scanWhile(s, i+1, isContinuationByte)
			toks = append(toks, token{tIllegal, s[start:i], start, i})
		}
	}
	return append(toks, token{tEOF, "<EOF>", len(s), len(s)})
}
