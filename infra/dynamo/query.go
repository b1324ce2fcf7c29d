package dynamo

import (
	"bytes"
	"hash/crc32"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
	"github.com/hapihub/hapihub/infra/dynamo/expr"
)

// maxPageBytes is DynamoDB's 1 MB limit on the data one Query or Scan reads.
const maxPageBytes = 1 << 20

type readInput struct {
	TableName                 string
	IndexName                 *string
	KeyConditionExpression    *string
	FilterExpression          *string
	ProjectionExpression      *string
	ExpressionAttributeNames  expr.Names
	ExpressionAttributeValues expr.Values
	Select                    string
	Limit                     *int
	ConsistentRead            bool
	ScanIndexForward          *bool
	ExclusiveStartKey         attr.Item
	ReturnConsumedCapacity    string
	Segment                   *int
	TotalSegments             *int
}

// readPlan is a checked Query or Scan.
type readPlan struct {
	in      readInput
	t       *tableMeta
	ix      *indexMeta // nil for the table
	hash    keyDef     // key schema read (table's or index's)
	rng     keyDef
	key     *expr.KeyCond
	filter  *expr.Condition
	proj    *expr.Projection
	sel     string
	forward bool
	start   []byte // storage key of ExclusiveStartKey
	fetch   bool   // LSI read of attributes it does not project
}

func (e *Engine) planRead(body []byte, query bool) (*readPlan, error) {
	p := &readPlan{forward: true}
	in := &p.in
	if err := decode(body, in); err != nil {
		return nil, err
	}
	if err := checkReturnConsumed(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if in.Limit != nil && *in.Limit < 1 {
		return nil, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.Limit)
	}
	valueExprs := []string{"FilterExpression"}
	if query {
		valueExprs = append(valueExprs, "KeyConditionExpression")
	}
	ec, err := newExprCtx(in.ExpressionAttributeNames, in.ExpressionAttributeValues, valueExprs...)
	if err != nil {
		return nil, err
	}
	if query {
		if in.KeyConditionExpression == nil {
			return nil, validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
		}
		ec.any, ec.anyValued = true, true
		if p.key, err = expr.ParseKeyCondition(*in.KeyConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, &ec.usage); err != nil {
			return nil, err
		}
		if in.ScanIndexForward != nil {
			p.forward = *in.ScanIndexForward
		}
	}
	if p.filter, err = ec.condition(in.FilterExpression, true); err != nil {
		return nil, err
	}
	if p.proj, err = ec.projection(in.ProjectionExpression); err != nil {
		return nil, err
	}
	if err := ec.done(); err != nil {
		return nil, err
	}
	if !query {
		if err := checkSegments(in.Segment, in.TotalSegments); err != nil {
			return nil, err
		}
	}
	if p.t, err = e.table(in.TableName); err != nil {
		return nil, err
	}
	if err := p.useIndex(); err != nil {
		return nil, err
	}
	if err := p.checkSelect(); err != nil {
		return nil, err
	}
	if query {
		if err := p.checkKeyCondition(); err != nil {
			return nil, err
		}
	}
	if in.ExclusiveStartKey != nil {
		if p.start, err = p.startKey(query); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// useIndex sets the key schema the read uses: the table's, or that of the index it names.
func (p *readPlan) useIndex() error {
	in := &p.in
	p.hash, p.rng = p.t.Hash, p.t.Range
	if in.IndexName == nil {
		return nil
	}
	if p.ix = p.t.index(*in.IndexName); p.ix == nil {
		return validation("The table does not have the specified index: %s", *in.IndexName)
	}
	p.hash, p.rng = p.ix.Hash, p.ix.Range
	if in.ConsistentRead && !p.ix.Local {
		return validation("Consistent reads are not supported on global secondary indexes")
	}
	return nil
}

// checkKeyCondition checks a Query's key condition against the key schema read (table or index)
// as DynamoDB does: key attributes only there, not in the filter; types match; BETWEEN in order.
func (p *readPlan) checkKeyCondition() error {
	in := &p.in
	if err := p.key.ForSchema(p.hash.Name, p.rng.Name); err != nil {
		return err
	}
	if in.FilterExpression != nil {
		heads := pathHeads(*in.FilterExpression, in.ExpressionAttributeNames)
		for _, k := range []string{p.hash.Name, p.rng.Name} {
			if k != "" && heads[k] {
				return validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", k)
			}
		}
	}
	if p.key.PartitionValue.Kind != p.hash.kind() {
		return validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
	}
	if s := p.key.Sort; s != nil {
		for _, v := range s.Values {
			if s.Op == "begins_with" && v.Kind == attr.N {
				return validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
			}
			if v.Kind != p.rng.kind() {
				return validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		if s.Op == "BETWEEN" {
			if c, err := attr.Compare(s.Values[0], s.Values[1]); err == nil && c > 0 {
				return validation("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}", s.Values[0].Kind, keyText(s.Values[0]), s.Values[1].Kind, keyText(s.Values[1]))
			}
		}
	}
	return nil
}

func keyText(v attr.Value) string {
	if v.Kind == attr.B {
		return string(v.Bin)
	}
	return v.Str
}

func checkSegments(seg, total *int) error {
	switch {
	case seg == nil && total == nil:
		return nil
	case seg != nil && total == nil:
		return validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case seg == nil && total != nil:
		return validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	case *total < 1 || *total > 1000000:
		return validation("1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000", *total)
	case *seg < 0:
		return validation("1 validation error detected: Value '%d' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0", *seg)
	case *seg >= *total:
		return validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is out of bounds for TotalSegments: %d", *seg, *total)
	}
	return nil
}

func (p *readPlan) checkSelect() error {
	sel := p.in.Select
	hasProj := p.proj != nil
	switch sel {
	case "":
		switch {
		case hasProj:
			sel = "SPECIFIC_ATTRIBUTES"
		case p.ix != nil:
			sel = "ALL_PROJECTED_ATTRIBUTES"
		default:
			sel = "ALL_ATTRIBUTES"
		}
	case "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "COUNT":
		if hasProj {
			return validation("Cannot specify the ProjectionExpression when choosing to get %s", sel)
		}
	case "SPECIFIC_ATTRIBUTES":
		if !hasProj {
			return validation("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
		}
	default:
		return validation("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", sel)
	}
	if sel == "ALL_PROJECTED_ATTRIBUTES" && p.ix == nil {
		return validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
	}
	if sel == "ALL_ATTRIBUTES" && p.ix != nil && p.ix.Projection != "ALL" {
		if !p.ix.Local {
			return validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", p.ix.Name)
		}
		p.fetch = true
	}
	if sel == "SPECIFIC_ATTRIBUTES" && p.ix != nil && p.ix.Local && p.ix.Projection != "ALL" {
		p.fetch = true
	}
	p.sel = sel
	return nil
}

// startKey turns ExclusiveStartKey into the storage key it names.
func (p *readPlan) startKey(query bool) ([]byte, error) {
	esk := p.in.ExclusiveStartKey
	bad := func() error {
		return validation("The provided starting key is invalid: The provided key element does not match the schema")
	}
	want := []keyDef{p.t.Hash, p.t.Range}
	if p.ix != nil {
		want = []keyDef{p.ix.Hash, p.ix.Range, p.t.Hash, p.t.Range}
	}
	var out []byte
	names := map[string]bool{}
	for _, k := range want {
		if k.Name == "" || names[k.Name] {
			continue
		}
		names[k.Name] = true
		v, ok := esk[k.Name]
		if !ok || v.Kind != k.kind() {
			return nil, bad()
		}
	}
	if len(esk) != len(names) {
		return nil, bad()
	}
	for _, k := range want {
		if k.Name != "" {
			out = attr.AppendKey(out, esk[k.Name])
		}
	}
	if query {
		if hv := esk[p.hash.Name]; !attr.Equal(hv, p.key.PartitionValue) {
			return nil, validation("The provided starting key is outside query boundaries based on provided conditions")
		}
		// A start key whose sort key the key condition excludes is refused too, not read from
		// (DynamoDB and DynamoDB Local answer this; found with the JavaScript SDK,
		// test/node/aws-dynamodb.test.mjs: the engine went on from it).
		if s := p.key.Sort; s != nil && !s.Match(esk[p.rng.Name]) {
			return nil, validation("The provided starting key does not match the range key predicate")
		}
	}
	return out, nil
}

// after returns the smallest key greater than every key that has prefix p, or
// nil when none exists.
func after(p []byte) []byte {
	out := append([]byte(nil), p...)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] < 0xFF {
			out[i]++
			return out[:i+1]
		}
	}
	return nil
}

// sortBound is the encoded key prefix of a sort-key value; for begins_with the
// value's escaped bytes without terminator, which prefix every longer value.
func sortBound(prefix []byte, op string, v attr.Value) []byte {
	b := attr.AppendKey(append([]byte(nil), prefix...), v)
	if op == "begins_with" {
		b = b[:len(b)-2]
	}
	return b
}

// scanEntries walks the bucket in the plan's key range and order, calling fn
// with each entry until fn returns false.
func (p *readPlan) scanEntries(b *bolt.Bucket, fn func(k, v []byte) bool) {
	c := b.Cursor()
	var prefix []byte
	var sc *expr.SortCond
	if p.key != nil {
		prefix = attr.EncodeKey(p.key.PartitionValue)
		sc = p.key.Sort
	}
	if p.forward {
		p.scanForward(c, prefix, sc, fn)
	} else {
		p.scanBackward(c, prefix, sc, fn)
	}
}

func (p *readPlan) scanForward(c *bolt.Cursor, prefix []byte, sc *expr.SortCond, fn func(k, v []byte) bool) {
	var k, v []byte
	lower := prefix
	if sc != nil {
		switch sc.Op {
		case "=", ">=", ">", "BETWEEN", "begins_with":
			lower = sortBound(prefix, sc.Op, sc.Values[0])
		}
	}
	if p.start != nil && bytes.Compare(p.start, lower) >= 0 {
		if k, v = c.Seek(p.start); k != nil && bytes.Equal(k, p.start) {
			k, v = c.Next()
		}
	} else {
		k, v = c.Seek(lower)
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if !p.sortMatch(sc, k[len(prefix):]) {
			if sc.Op == ">" || sc.Op == ">=" {
				continue
			}
			return
		}
		if !fn(k, v) {
			return
		}
	}
}

func (p *readPlan) scanBackward(c *bolt.Cursor, prefix []byte, sc *expr.SortCond, fn func(k, v []byte) bool) {
	var k, v []byte
	upper := after(prefix)
	if sc != nil {
		switch sc.Op {
		case "=", "<=", "<", "begins_with":
			upper = after(sortBound(prefix, sc.Op, sc.Values[0]))
		case "BETWEEN":
			upper = after(sortBound(prefix, sc.Op, sc.Values[1]))
		}
	}
	seek := upper
	if p.start != nil && (upper == nil || bytes.Compare(p.start, upper) < 0) {
		seek = p.start
	}
	if seek == nil {
		k, v = c.Last()
	} else if k, _ = c.Seek(seek); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		if !p.sortMatch(sc, k[len(prefix):]) {
			if sc.Op == "<" || sc.Op == "<=" {
				continue
			}
			return
		}
		if !fn(k, v) {
			return
		}
	}
}

func (p *readPlan) sortMatch(sc *expr.SortCond, rest []byte) bool {
	if sc == nil {
		return true
	}
	v, _, err := attr.DecodeKey(rest, p.rng.kind())
	return err == nil && sc.Match(v)
}

// keysOf returns the attributes LastEvaluatedKey holds for an item.
func (p *readPlan) keysOf(item attr.Item) attr.Item {
	out := keyAttrs(p.t, item)
	if p.ix != nil {
		for _, n := range []string{p.ix.Hash.Name, p.ix.Range.Name} {
			if n != "" {
				out[n] = item[n]
			}
		}
	}
	return out
}

func (e *Engine) runRead(p *readPlan) (map[string]any, error) {
	var items []attr.Item
	count, scanned, bytesRead, fetched := 0, 0, 0, 0
	var last attr.Item
	var runErr error
	full := false // stopped by the 1 MB page limit
	// A COUNT without filter needs no item decoded: sizes are in the stored
	// header, and only the last item read is decoded, for LastEvaluatedKey.
	decodeAll := p.decodesAll()
	err := e.db.View(func(tx *bolt.Tx) error {
		bname := itemsBucket(p.t.Name)
		if p.ix != nil {
			bname = indexBucket(p.t.Name, p.ix.Name)
		}
		b := tx.Bucket(bname)
		if b == nil {
			return notFound("Requested resource not found")
		}
		seg := p.in.Segment
		var lastRaw, lastRawKey []byte
		p.scanEntries(b, func(k, v []byte) bool {
			if seg != nil && int(crc32.ChecksumIEEE(k)%uint32(*p.in.TotalSegments)) != *seg {
				return true
			}
			size, err := storedSize(v)
			if err != nil {
				runErr = err
				return false
			}
			if scanned > 0 && bytesRead+size > maxPageBytes {
				full = true
				return false
			}
			scanned++
			bytesRead += size
			if !decodeAll {
				lastRaw, lastRawKey = v, k
				count++
				if bytesRead >= maxPageBytes {
					full = true
					return false
				}
				return p.in.Limit == nil || scanned < *p.in.Limit
			}
			item, err := decodeEntry(tx, p.t, p.ix != nil, k, v)
			if err != nil {
				runErr = err
				return false
			}
			last = item
			if p.fetch {
				var n int
				if item, n, err = fetchBase(tx, p, item); err != nil {
					runErr = err
					return false
				}
				fetched += n
			}
			ok, err := p.match(item)
			if err != nil {
				runErr = err
				return false
			}
			if ok {
				count++
				if p.sel != "COUNT" {
					if p.proj != nil {
						item = p.proj.Apply(item)
					}
					items = append(items, item)
				}
			}
			if bytesRead >= maxPageBytes {
				full = true
				return false
			}
			return p.in.Limit == nil || scanned < *p.in.Limit
		})
		if runErr == nil && lastRaw != nil {
			last, runErr = decodeEntry(tx, p.t, p.ix != nil, lastRawKey, lastRaw)
		}
		return runErr
	})
	if err != nil {
		return nil, asAPIError(err)
	}
	return p.output(items, last, count, scanned, bytesRead, fetched, full), nil
}

// decodesAll: only a COUNT without filter or fetch can skip decoding items.
func (p *readPlan) decodesAll() bool {
	return p.sel != "COUNT" || p.filter != nil || p.fetch
}

// match applies the FilterExpression, if any.
func (p *readPlan) match(item attr.Item) (bool, error) {
	if p.filter == nil {
		return true, nil
	}
	return p.filter.Eval(item)
}

// fetchBase replaces an index entry by its base-table item (a query of a KEYS_ONLY or
// INCLUDE index asking for other attributes), and says how many bytes that read.
func fetchBase(tx *bolt.Tx, p *readPlan, item attr.Item) (attr.Item, int, error) {
	tk, err := keyFromItem(p.t, item)
	if err != nil {
		return item, 0, nil
	}
	full, err := getItem(tx, p.t, tk)
	if err != nil || full == nil {
		return item, 0, err
	}
	return full, attr.ItemSize(full), nil
}

// output is a Query or Scan answer: items, counts, LastEvaluatedKey when the read stopped
// early, and the capacity it consumed.
func (p *readPlan) output(items []attr.Item, last attr.Item, count, scanned, bytesRead, fetched int, full bool) map[string]any {
	out := map[string]any{"Count": count, "ScannedCount": scanned}
	if p.sel != "COUNT" {
		if items == nil {
			items = []attr.Item{}
		}
		out["Items"] = items
	}
	limited := p.in.Limit != nil && scanned >= *p.in.Limit
	if last != nil && (limited || full) {
		out["LastEvaluatedKey"] = p.keysOf(last)
	}
	c := newCapacity(p.t, true)
	units := readUnits(bytesRead, p.in.ConsistentRead)
	if p.ix != nil {
		c.indexes[p.ix.Name] = units
		if p.fetch {
			c.table = readUnits(fetched, p.in.ConsistentRead)
		}
	} else {
		c.table = units
	}
	return withCapacity(out, c, p.t.Name, p.in.ReturnConsumedCapacity)
}

func opQuery(e *Engine, body []byte) (any, error) {
	p, err := e.planRead(body, true)
	if err != nil {
		return nil, err
	}
	return e.runRead(p)
}

func opScan(e *Engine, body []byte) (any, error) {
	p, err := e.planRead(body, false)
	if err != nil {
		return nil, err
	}
	return e.runRead(p)
}

// pathHeads returns the top-level attribute names an (already parsed, so
// well-formed) expression refers to: identifiers and #names that neither
// follow a "." nor open a function call.
func pathHeads(src string, names expr.Names) map[string]bool {
	heads := map[string]bool{}
	isIdent := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(src); {
		c := src[i]
		if c != '#' && c != ':' && !isIdent(c) {
			i++
			continue
		}
		j := i + 1
		for j < len(src) && isIdent(src[j]) {
			j++
		}
		tok := src[i:j]
		prev := strings.TrimRight(src[:i], " \t\r\n")
		next := strings.TrimLeft(src[j:], " \t\r\n")
		i = j
		if c == ':' || (c >= '0' && c <= '9') || strings.HasSuffix(prev, ".") || strings.HasPrefix(next, "(") {
			continue
		}
		if c == '#' {
			if n, ok := names[tok]; ok {
				heads[n] = true
			}
			continue
		}
		heads[tok] = true
	}
	return heads
}
