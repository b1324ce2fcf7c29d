package scheduler

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// schedule is a parsed schedule expression.
type schedule interface {
	// next is the first fire time strictly after t.
	next(t time.Time) (time.Time, bool)
}

// NextAfter is the first time strictly after t at which the EventBridge
// schedule expression (rate(...) or cron(...)) fires. A rate fires its interval
// after t; cron fields are read in UTC.
func NextAfter(expr string, t time.Time) (time.Time, error) {
	s, err := parse(expr)
	if err != nil {
		return time.Time{}, err
	}
	n, ok := s.next(t)
	if !ok {
		return time.Time{}, fmt.Errorf("schedule %q never fires after %s", expr, t.UTC().Format(time.RFC3339))
	}
	return n, nil
}

// Validate reports whether expr is a schedule expression EventBridge accepts.
func Validate(expr string) error {
	_, err := parse(expr)
	return err
}

func parse(expr string) (schedule, error) {
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		r, err := parseRate(expr[len("rate(") : len(expr)-1])
		if err != nil {
			return nil, fmt.Errorf("invalid schedule expression %q: %w", expr, err)
		}
		return r, nil
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		c, err := parseCron(expr[len("cron(") : len(expr)-1])
		if err != nil {
			return nil, fmt.Errorf("invalid schedule expression %q: %w", expr, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("invalid schedule expression %q: want rate(value unit) or cron(fields)", expr)
}

type rate time.Duration

func (r rate) next(t time.Time) (time.Time, bool) { return t.Add(time.Duration(r)), true }

// parseRate reads "value unit": a positive integer, and the unit singular for
// 1 and plural otherwise, as EventBridge requires.
func parseRate(s string) (rate, error) {
	val, unit, ok := strings.Cut(s, " ")
	if !ok {
		return 0, errors.New("want value and unit")
	}
	n, err := strconv.Atoi(val)
	if err != nil || n < 1 || strconv.Itoa(n) != val {
		return 0, fmt.Errorf("value %q is not a positive integer", val)
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	base, plural := strings.CutSuffix(unit, "s")
	d, known := units[base]
	if !known {
		return 0, fmt.Errorf("unit %q is not minute(s), hour(s) or day(s)", unit)
	}
	if plural != (n != 1) {
		if n == 1 {
			return 0, fmt.Errorf("a value of 1 takes the singular unit %q", base)
		}
		return 0, fmt.Errorf("a value above 1 takes the plural unit %q", base+"s")
	}
	return rate(time.Duration(n) * d), nil
}

// cron is AWS's six-field cron: minutes hours day-of-month month day-of-week year.
type cron struct {
	minutes, hours, months, years bitset
	dom                           domSpec
	dow                           dowSpec
	domAny                        bool // day-of-month is ?
}

type bitset map[int]bool

type domSpec struct {
	days        bitset
	last        bool  // L
	lastWeekday bool  // LW
	nearest     []int // nW: weekday nearest day n
}

type dowSpec struct {
	days   bitset // 1=SUN .. 7=SAT
	lastOf []int  // nL: last such weekday of the month
	nth    [][2]int
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func parseCron(s string) (*cron, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron needs 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(f))
	}
	c := &cron{}
	var err error
	if c.minutes, err = parseField(f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("minutes: %w", err)
	}
	if c.hours, err = parseField(f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("hours: %w", err)
	}
	if c.months, err = parseField(f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("month: %w", err)
	}
	if c.years, err = parseField(f[5], 1970, 2199, nil); err != nil {
		return nil, fmt.Errorf("year: %w", err)
	}
	domQ, dowQ := f[2] == "?", f[4] == "?"
	if domQ == dowQ {
		return nil, errors.New("exactly one of day-of-month and day-of-week must be ?")
	}
	c.domAny = domQ
	if !domQ {
		if c.dom, err = parseDOM(f[2]); err != nil {
			return nil, fmt.Errorf("day-of-month: %w", err)
		}
	} else if c.dow, err = parseDOW(f[4]); err != nil {
		return nil, fmt.Errorf("day-of-week: %w", err)
	}
	return c, nil
}

// parseField reads a list of *, n, a-b, with an optional /step, into a set.
func parseField(s string, lo, hi int, names map[string]int) (bitset, error) {
	set := bitset{}
	for _, part := range strings.Split(s, ",") {
		if err := addPart(set, part, lo, hi, names); err != nil {
			return nil, err
		}
	}
	return set, nil
}

func addPart(set bitset, part string, lo, hi int, names map[string]int) error {
	rng, stepStr, hasStep := strings.Cut(part, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepStr)
		if err != nil || n < 1 {
			return fmt.Errorf("bad increment in %q", part)
		}
		step = n
	}
	from, to := lo, hi
	switch {
	case rng == "*":
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		var err error
		if from, err = value(a, lo, hi, names); err != nil {
			return err
		}
		if to, err = value(b, lo, hi, names); err != nil {
			return err
		}
		if from > to {
			return fmt.Errorf("range %q runs backwards", rng)
		}
	default:
		v, err := value(rng, lo, hi, names)
		if err != nil {
			return err
		}
		from = v
		if !hasStep {
			to = v
		}
	}
	for v := from; v <= to; v += step {
		set[v] = true
	}
	return nil
}

func value(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, lo, hi)
	}
	return n, nil
}

func parseDOM(s string) (domSpec, error) {
	d := domSpec{days: bitset{}}
	for _, part := range strings.Split(s, ",") {
		switch {
		case part == "L":
			d.last = true
		case part == "LW":
			d.lastWeekday = true
		case strings.HasSuffix(part, "W"):
			n, err := value(strings.TrimSuffix(part, "W"), 1, 31, nil)
			if err != nil {
				return d, err
			}
			d.nearest = append(d.nearest, n)
		default:
			if err := addPart(d.days, part, 1, 31, nil); err != nil {
				return d, err
			}
		}
	}
	return d, nil
}

func parseDOW(s string) (dowSpec, error) {
	d := dowSpec{days: bitset{}}
	parts := strings.Split(s, ",")
	for _, part := range parts {
		switch {
		case part == "L":
			// L alone is the last day of the week, Saturday.
			d.days[7] = true
		case strings.Contains(part, "#"):
			if len(parts) > 1 {
				return d, errors.New("a # expression must be the only one in the field")
			}
			a, b, _ := strings.Cut(part, "#")
			day, err := value(a, 1, 7, dayNames)
			if err != nil {
				return d, err
			}
			n, err := strconv.Atoi(b)
			if err != nil || n < 1 || n > 5 {
				return d, fmt.Errorf("%q: the instance after # must be 1 to 5", part)
			}
			d.nth = append(d.nth, [2]int{day, n})
		case strings.HasSuffix(part, "L"):
			day, err := value(strings.TrimSuffix(part, "L"), 1, 7, dayNames)
			if err != nil {
				return d, err
			}
			d.lastOf = append(d.lastOf, day)
		default:
			if err := addPart(d.days, part, 1, 7, dayNames); err != nil {
				return d, err
			}
		}
	}
	return d, nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func isWeekday(y int, m time.Month, d int) bool {
	wd := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// nearestWeekday is the weekday closest to day n without leaving the month.
func nearestWeekday(y int, m time.Month, n int) int {
	last := daysIn(y, m)
	if n > last {
		n = last
	}
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2
		}
		return n + 1
	}
	return n
}

func (c *cron) dayMatches(y int, m time.Month, d int) bool {
	last := daysIn(y, m)
	if !c.domAny {
		if c.dom.days[d] || c.dom.last && d == last {
			return true
		}
		if c.dom.lastWeekday {
			lw := last
			for !isWeekday(y, m, lw) {
				lw--
			}
			if d == lw {
				return true
			}
		}
		for _, n := range c.dom.nearest {
			if nearestWeekday(y, m, n) == d {
				return true
			}
		}
		return false
	}
	wd := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1
	if c.dow.days[wd] {
		return true
	}
	for _, k := range c.dow.lastOf {
		if wd == k && d+7 > last {
			return true
		}
	}
	for _, kn := range c.dow.nth {
		if wd == kn[0] && (d-1)/7+1 == kn[1] {
			return true
		}
	}
	return false
}

func (c *cron) next(t time.Time) (time.Time, bool) {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	y, m, d := t.Date()
	hh, mm := t.Hour(), t.Minute()
	for y <= 2199 {
		if !c.years[y] {
			y, m, d, hh, mm = y+1, 1, 1, 0, 0
			continue
		}
		if !c.months[int(m)] {
			m, d, hh, mm = m+1, 1, 0, 0
			if m > 12 {
				y, m = y+1, 1
			}
			continue
		}
		if d > daysIn(y, m) {
			m, d, hh, mm = m+1, 1, 0, 0
			if m > 12 {
				y, m = y+1, 1
			}
			continue
		}
		if c.dayMatches(y, m, d) {
			for h := hh; h < 24; h++ {
				if !c.hours[h] {
					continue
				}
				start := 0
				if h == hh {
					start = mm
				}
				for mi := start; mi < 60; mi++ {
					if c.minutes[mi] {
						return time.Date(y, m, d, h, mi, 0, 0, time.UTC), true
					}
				}
			}
		}
		d, hh, mm = d+1, 0, 0
	}
	return time.Time{}, false
}
