package attr

import (
	"encoding/json"
	"unicode/utf8"
)

// The splitters below read one level of a JSON object or array that encoding/json has already
// checked: it validates a whole request body before it hands any part of it to an Unmarshaler,
// so re-validating each nested level with json.Unmarshal (what decoding an item did) scanned a
// value once per level of nesting it sits in. A splitter that meets anything it does not expect
// answers ok false and the caller takes the general path, which reports the error as before.

// splitting is off only in the test that checks the splitters answer what the general path does.
var splitting = true

// Member is one member of a JSON object: its name, unquoted, and its value's bytes.
type Member struct {
	Name string
	Val  []byte
}

func skipSpace(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the index past the closing quote of the string opening at d[i], and
// whether the string holds an escape.
func scanString(d []byte, i int) (end int, esc, ok bool) {
	for j := i + 1; j < len(d); j++ {
		switch d[j] {
		case '\\':
			esc = true
			j++
		case '"':
			return j + 1, esc, true
		}
	}
	return 0, false, false
}

// skipValue returns the index past the value starting at d[i].
func skipValue(d []byte, i int) (int, bool) {
	if i >= len(d) {
		return 0, false
	}
	switch d[i] {
	case '"':
		end, _, ok := scanString(d, i)
		return end, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(d); j++ {
			switch d[j] {
			case '"':
				end, _, ok := scanString(d, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(d) && d[j] != ',' && d[j] != '}' && d[j] != ']' && d[j] != ' ' && d[j] != '\t' && d[j] != '\n' && d[j] != '\r' {
		j++
	}
	return j, j > i
}

// unquote reads the JSON string token s as encoding/json would.
func unquote(s []byte, esc bool) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	body := s[1 : len(s)-1]
	if !esc && utf8.Valid(body) {
		for _, c := range body {
			if c < 0x20 {
				return "", false
			}
		}
		return string(body), true
	}
	var out string
	if json.Unmarshal(s, &out) != nil {
		return "", false
	}
	return out, true
}

// SplitObject splits a JSON object that encoding/json (or json.Valid) has already checked into
// its members, in order, duplicates kept; ok is false for anything else.
func SplitObject(d []byte) ([]Member, bool) { return splitObject(d) }

// SplitArray splits a checked JSON array into its elements' bytes; ok is false for anything else.
func SplitArray(d []byte) ([][]byte, bool) { return splitArray(d) }

// String reads a JSON string token as encoding/json would; ok is false for anything else.
func String(tok []byte) (string, bool) {
	if len(tok) == 0 || tok[0] != '"' {
		return "", false
	}
	end, esc, ok := scanString(tok, 0)
	if !ok || end != len(tok) {
		return "", false
	}
	return unquote(tok, esc)
}

// splitObject splits a JSON object into its members, in order (duplicates kept).
func splitObject(d []byte) ([]Member, bool) {
	if !splitting {
		return nil, false
	}
	i := skipSpace(d, 0)
	if i >= len(d) || d[i] != '{' {
		return nil, false
	}
	i = skipSpace(d, i+1)
	var out []Member
	if i < len(d) && d[i] == '}' {
		return out, skipSpace(d, i+1) == len(d)
	}
	for i < len(d) {
		if d[i] != '"' {
			return nil, false
		}
		end, esc, ok := scanString(d, i)
		if !ok {
			return nil, false
		}
		name, ok := unquote(d[i:end], esc)
		if !ok {
			return nil, false
		}
		i = skipSpace(d, end)
		if i >= len(d) || d[i] != ':' {
			return nil, false
		}
		i = skipSpace(d, i+1)
		vend, ok := skipValue(d, i)
		if !ok {
			return nil, false
		}
		out = append(out, Member{name, d[i:vend]})
		i = skipSpace(d, vend)
		if i >= len(d) {
			return nil, false
		}
		switch d[i] {
		case ',':
			i = skipSpace(d, i+1)
		case '}':
			return out, skipSpace(d, i+1) == len(d)
		default:
			return nil, false
		}
	}
	return nil, false
}

// splitArray splits a JSON array into its elements' bytes.
func splitArray(d []byte) ([][]byte, bool) {
	if !splitting {
		return nil, false
	}
	i := skipSpace(d, 0)
	if i >= len(d) || d[i] != '[' {
		return nil, false
	}
	i = skipSpace(d, i+1)
	out := [][]byte{}
	if i < len(d) && d[i] == ']' {
		return out, skipSpace(d, i+1) == len(d)
	}
	for i < len(d) {
		end, ok := skipValue(d, i)
		if !ok {
			return nil, false
		}
		out = append(out, d[i:end])
		i = skipSpace(d, end)
		if i >= len(d) {
			return nil, false
		}
		switch d[i] {
		case ',':
			i = skipSpace(d, i+1)
		case ']':
			return out, skipSpace(d, i+1) == len(d)
		default:
			return nil, false
		}
	}
	return nil, false
}

// splitStrings reads a JSON array of strings (a set's members).
func splitStrings(d []byte) ([]string, bool) {
	elems, ok := splitArray(d)
	if !ok {
		return nil, false
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if len(e) == 0 || e[0] != '"' {
			return nil, false
		}
		_, esc, ok := scanString(e, 0)
		if !ok {
			return nil, false
		}
		if out[i], ok = unquote(e, esc); !ok {
			return nil, false
		}
	}
	return out, true
}
