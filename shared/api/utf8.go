package api

import (
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hapihub/hapihub/shared/apperr"
)

// queryUnicode refuses a query parameter whose name or value, percent-decoded, is not UTF-8
// (?firstName=%ff): it could match nothing, and answering an empty page would say there is
// no such patient rather than that the question was garbled.
func queryUnicode(ev events.APIGatewayProxyRequest) error {
	q := rawQuery(ev)
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ok := true
		for _, v := range q[k] {
			ok = ok && utf8.ValidString(v)
		}
		name := k
		if !utf8.ValidString(k) {
			ok, name = false, strconv.QuoteToASCII(k) // the name itself is garbled: show its bytes
		}
		if !ok {
			return apperr.Field(name, "is not valid UTF-8 once percent-decoded; encode text as UTF-8 before percent-encoding it")
		}
	}
	return nil
}

// checkUnicode refuses a JSON body that is not valid Unicode: raw bytes that are not UTF-8 (RFC
// 8259 §8.1: JSON text MUST be UTF-8), or a \u escape naming half of a UTF-16 surrogate pair
// (§8.2 leaves such strings' behaviour unpredictable). encoding/json would replace either with
// U+FFFD, so the object stored would differ from the one sent, silently.
func checkUnicode(body []byte) error {
	if !utf8.Valid(body) {
		at := 0
		for at < len(body) {
			r, n := utf8.DecodeRune(body[at:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			at += n
		}
		return apperr.Field("body", "is not valid UTF-8 (byte %d); send JSON encoded as UTF-8", at)
	}
	// Every backslash of valid JSON is inside a string and starts an escape, so walking escapes
	// pairwise needs no string tracking; invalid JSON is refused later whatever this finds.
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if i+1 >= len(body) || body[i+1] != 'u' {
			i++ // a one-character escape (\" \\ \n ...)
			continue
		}
		hi, ok := hex4(body, i+2)
		switch {
		case !ok:
			i++
			continue
		case hi >= 0xDC00 && hi <= 0xDFFF:
			return loneSurrogate(body, i)
		case hi >= 0xD800 && hi <= 0xDBFF:
			lo, ok := hex4(body, i+8)
			if i+7 >= len(body) || body[i+6] != '\\' || body[i+7] != 'u' || !ok || lo < 0xDC00 || lo > 0xDFFF {
				return loneSurrogate(body, i)
			}
			i += 11
			continue
		}
		i += 5
	}
	return nil
}

func loneSurrogate(body []byte, at int) error {
	return apperr.Field("body", "has an unpaired UTF-16 surrogate %s at byte %d; a \\u escape above U+FFFF must be a high-low pair", body[at:at+6], at)
}

// hex4 reads the four hex digits of a \u escape starting at i.
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return rune(v), err == nil
}
