package attr

// Size is a value's size in DynamoDB's item-size arithmetic: strings their UTF-8
// length, binaries their length, numbers see numberSize, BOOL and NULL 1 byte,
// sets the sum of their members, and lists and maps 3 bytes plus 1 byte per
// element plus their contents (map keys included).
func Size(v Value) int {
	switch v.Kind {
	case S:
		return len(v.Str)
	case N:
		return numberSize(v.Str)
	case B:
		return len(v.Bin)
	case BOOL, NULL:
		return 1
	case SS:
		n := 0
		for _, s := range v.Strs {
			n += len(s)
		}
		return n
	case NS:
		n := 0
		for _, s := range v.Strs {
			n += numberSize(s)
		}
		return n
	case BS:
		n := 0
		for _, b := range v.Bins {
			n += len(b)
		}
		return n
	case L:
		n := 3
		for _, e := range v.List {
			n += 1 + Size(e)
		}
		return n
	case M:
		n := 3
		for k, e := range v.Map {
			n += 1 + len(k) + Size(e)
		}
		return n
	}
	return 0
}

// ItemSize is the item's size as DynamoDB counts it against the 400 KB limit and
// for capacity units: attribute name bytes plus value sizes.
func ItemSize(it Item) int {
	n := 0
	for k, v := range it {
		n += len(k) + Size(v)
	}
	return n
}

// MaxDepth is how deep DynamoDB nests documents: an attribute is level 1, a value in a map or
// list one more (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html,
// "Nested attribute depth": 32 levels).
const MaxDepth = 32

// TooDeep reports whether an attribute of the item nests deeper than MaxDepth levels.
func TooDeep(it Item) bool {
	for _, v := range it {
		if (v.Kind == M || v.Kind == L) && deeper(v, 1) {
			return true
		}
	}
	return false
}

// deeper reports whether v, at level, or anything in it is past MaxDepth.
func deeper(v Value, level int) bool {
	if level > MaxDepth {
		return true
	}
	switch v.Kind {
	case L:
		for _, e := range v.List {
			if deeper(e, level+1) {
				return true
			}
		}
	case M:
		for _, e := range v.Map {
			if deeper(e, level+1) {
				return true
			}
		}
	}
	return false
}
