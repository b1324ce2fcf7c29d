package attr

import (
	"strings"
)

// DynamoDB number limits: 38 significant digits, magnitudes 1E-130 through
// 9.9999999999999999999999999999999999999E+125.
const (
	MaxDigits   = 38
	MaxExponent = 125
	MinExponent = -130
)

// decimal is a parsed number in normalised scientific form: value =
// (-1 if neg) × 0.d1d2d3... × 10^(exp+1), i.e. d1.d2d3... × 10^exp. digits has no
// leading or trailing zeros; zero has empty digits.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

func (d decimal) isZero() bool { return d.digits == "" }

// parseDecimal parses Java BigDecimal syntax (what DynamoDB accepts) without
// applying DynamoDB's range limits.
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	var mant strings.Builder
	pointPos := -1
	nDigits := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			mant.WriteByte(c)
			nDigits++
			continue
		}
		if c == '.' && pointPos < 0 {
			pointPos = nDigits
			continue
		}
		break
	}
	if nDigits == 0 {
		return d, false
	}
	if pointPos < 0 {
		pointPos = nDigits
	}
	exp10, ok := parseExponent(s[i:])
	if !ok {
		return d, false
	}
	m := mant.String()
	lead := 0
	for lead < len(m) && m[lead] == '0' {
		lead++
	}
	if lead == len(m) {
		return decimal{}, true // zero, sign dropped
	}
	trail := len(m)
	for m[trail-1] == '0' {
		trail--
	}
	d.digits = m[lead:trail]
	// The first significant digit sits at position lead; the point sits after
	// pointPos mantissa digits.
	d.exp = pointPos - lead - 1 + exp10
	return d, true
}

// parseExponent parses what follows a BigDecimal's mantissa: nothing, or e/E, an optional sign
// and digits.
func parseExponent(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	if s[0] != 'e' && s[0] != 'E' {
		return 0, false
	}
	i := 1
	eneg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		eneg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return 0, false
	}
	exp10 := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		// Clamp: anything this large is out of DynamoDB's range anyway.
		if exp10 < 1_000_000 {
			exp10 = exp10*10 + int(c-'0')
		}
	}
	if eneg {
		exp10 = -exp10
	}
	return exp10, true
}

// parseNumber parses and applies DynamoDB's limits, returning its messages.
func parseNumber(s string) (decimal, error) {
	if s == "" {
		return decimal{}, invalid(msgNumNotNumeric)
	}
	d, ok := parseDecimal(s)
	if !ok {
		return decimal{}, invalid(msgNumNotNumeric + ": " + s)
	}
	if d.isZero() {
		return d, nil
	}
	if d.exp > MaxExponent {
		return d, invalid(msgNumOverflow)
	}
	if d.exp < MinExponent {
		return d, invalid(msgNumUnderflow)
	}
	if len(d.digits) > MaxDigits {
		return d, invalid(msgNumDigits)
	}
	return d, nil
}

// String renders the decimal in plain (non-exponent) notation, the form DynamoDB
// returns numbers in.
func (d decimal) String() string {
	if d.isZero() {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	n := len(d.digits)
	switch {
	case d.exp >= n-1:
		b.WriteString(d.digits)
		b.WriteString(strings.Repeat("0", d.exp-n+1))
	case d.exp < 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -d.exp-1))
		b.WriteString(d.digits)
	default:
		b.WriteString(d.digits[:d.exp+1])
		b.WriteByte('.')
		b.WriteString(d.digits[d.exp+1:])
	}
	return b.String()
}

func cmpDecimal(a, b decimal) int {
	sa, sb := a.sign(), b.sign()
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 0 {
		return 0
	}
	mag := 0
	switch {
	case a.exp != b.exp:
		if a.exp < b.exp {
			mag = -1
		} else {
			mag = 1
		}
	default:
		mag = strings.Compare(a.digits, b.digits)
	}
	return mag * sa
}

func (d decimal) sign() int {
	switch {
	case d.isZero():
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// CanonicalNumber validates a DynamoDB number and returns it in the plain form
// DynamoDB stores and returns ("1.50" -> "1.5", "1e2" -> "100", "-0" -> "0").
func CanonicalNumber(s string) (string, error) {
	d, err := parseNumber(s)
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// CompareNumbers compares two DynamoDB numbers by value.
func CompareNumbers(a, b string) (int, error) {
	da, err := parseNumber(a)
	if err != nil {
		return 0, err
	}
	db, err := parseNumber(b)
	if err != nil {
		return 0, err
	}
	return cmpDecimal(da, db), nil
}

// numberSize is the bytes a number takes in DynamoDB's item-size arithmetic:
// documented as about one byte per two significant digits plus one; the exact
// figure (as dynalite measured against DynamoDB's consumed capacity) stores
// digits in base-100 pairs aligned on the decimal point, plus a byte for
// negatives.
func numberSize(s string) int {
	d, ok := parseDecimal(s)
	if !ok || d.isZero() {
		return 1
	}
	n := len(d.digits)
	size := 1 + (n+1)/2
	if n%2 == 0 && d.exp%2 == 0 {
		size++
	}
	if d.neg {
		size++
	}
	return size
}
