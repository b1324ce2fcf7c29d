package textsearch

// stemGerman is the Snowball German stemmer in its classic form (the one in
// the libstemmer MongoDB ships), written from the published algorithm
// description because github.com/kljensen/snowball has no German. The input
// is one lower-case word.
func stemGerman(word string) string {
	w := make([]rune, 0, len(word)+2)
	// Prelude: ß becomes ss.
	for _, r := range word {
		if r == 'ß' {
			w = append(w, 's', 's')
		} else {
			w = append(w, r)
		}
	}
	// Prelude: u and y between vowels become U and Y (then non-vowels). The
	// scan resumes after the following vowel, as Snowball's `repeat goto` does.
	for c := 0; ; {
		found := false
		for i := c; i+2 < len(w); i++ {
			if isGermanVowel(w[i]) && (w[i+1] == 'u' || w[i+1] == 'y') && isGermanVowel(w[i+2]) {
				if w[i+1] == 'u' {
					w[i+1] = 'U'
				} else {
					w[i+1] = 'Y'
				}
				c = i + 3
				found = true
				break
			}
		}
		if !found {
			break
		}
	}

	p1, p2 := germanRegions(w)
	w = germanStandardSuffix(w, p1, p2)

	// Postlude: undo U/Y and drop the umlauts.
	for i, r := range w {
		switch r {
		case 'U':
			w[i] = 'u'
		case 'Y':
			w[i] = 'y'
		case 'ä':
			w[i] = 'a'
		case 'ö':
			w[i] = 'o'
		case 'ü':
			w[i] = 'u'
		}
	}
	return string(w)
}

func isGermanVowel(r rune) bool {
	switch r {
	case 'a', 'e', 'i', 'o', 'u', 'y', 'ä', 'ö', 'ü':
		return true
	}
	return false
}

// germanRegions computes R1 and R2 (as start offsets); R1 is moved so that
// at least three letters precede it.
func germanRegions(w []rune) (p1, p2 int) {
	n := len(w)
	p1, p2 = n, n
	if n < 3 {
		return p1, p2
	}
	next := func(from int) (int, bool) {
		i := from
		for i < n && !isGermanVowel(w[i]) {
			i++
		}
		if i == n {
			return n, false
		}
		i++
		for i < n && isGermanVowel(w[i]) {
			i++
		}
		if i == n {
			return n, false
		}
		return i + 1, true
	}
	r1, ok := next(0)
	if !ok {
		return p1, p2
	}
	p1 = r1
	if p1 < 3 {
		p1 = 3
	}
	if r2, ok := next(r1); ok {
		p2 = r2
	}
	return p1, p2
}

func hasSuffix(w []rune, s string) bool {
	rs := []rune(s)
	if len(rs) > len(w) {
		return false
	}
	for i, r := range rs {
		if w[len(w)-len(rs)+i] != r {
			return false
		}
	}
	return true
}

// longestSuffix returns the longest of suffixes that w ends with.
func longestSuffix(w []rune, suffixes ...string) string {
	best := ""
	for _, s := range suffixes {
		if len([]rune(s)) > len([]rune(best)) && hasSuffix(w, s) {
			best = s
		}
	}
	return best
}

func isSEnding(r rune) bool {
	switch r {
	case 'b', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'r', 't':
		return true
	}
	return false
}

func isSTEnding(r rune) bool { return r != 'r' && isSEnding(r) }

func germanStandardSuffix(w []rune, p1, p2 int) []rune {
	return germanStep3(germanStep2(germanStep1(w, p1), p1), p1, p2)
}

func germanStep1(w []rune, p1 int) []rune {
	s := longestSuffix(w, "em", "ern", "er", "e", "en", "es", "s")
	start := len(w) - len([]rune(s))
	if s == "" || start < p1 {
		return w
	}
	switch s {
	case "em", "ern", "er":
		w = w[:start]
	case "e", "en", "es":
		w = w[:start]
		if hasSuffix(w, "niss") {
			w = w[:len(w)-1]
		}
	case "s":
		if start > 0 && isSEnding(w[start-1]) {
			w = w[:start]
		}
	}
	return w
}

func germanStep2(w []rune, p1 int) []rune {
	s := longestSuffix(w, "en", "er", "est", "st")
	start := len(w) - len([]rune(s))
	if s == "" || start < p1 {
		return w
	}
	switch s {
	case "en", "er", "est":
		w = w[:start]
	case "st":
		// The st-ending letter must itself follow at least 3 letters.
		if start-1 >= 3 && isSTEnding(w[start-1]) {
			w = w[:start]
		}
	}
	return w
}

// germanStep3 removes the d-suffixes.
func germanStep3(w []rune, p1, p2 int) []rune {
	s := longestSuffix(w, "end", "ung", "ig", "ik", "isch", "lich", "heit", "keit")
	if s == "" {
		return w
	}
	start := len(w) - len([]rune(s))
	if start < p2 {
		return w
	}
	precededByE := start > 0 && w[start-1] == 'e'
	switch s {
	case "end", "ung":
		w = w[:start]
		if hasSuffix(w, "ig") {
			igStart := len(w) - 2
			if !(igStart > 0 && w[igStart-1] == 'e') && igStart >= p2 {
				w = w[:igStart]
			}
		}
	case "ig", "ik", "isch":
		if !precededByE {
			w = w[:start]
		}
	case "lich", "heit":
		w = w[:start]
		if (hasSuffix(w, "er") || hasSuffix(w, "en")) && len(w)-2 >= p1 {
			w = w[:len(w)-2]
		}
	case "keit":
		w = w[:start]
		if t := longestSuffix(w, "lich", "ig"); t != "" {
			if ts := len(w) - len([]rune(t)); ts >= p2 {
				w = w[:ts]
			}
		}
	}
	return w
}
