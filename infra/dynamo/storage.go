package dynamo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// maxItemSize is DynamoDB's 400 KB item limit (names and values together).
const maxItemSize = 400 * 1024

const msgEmptyKey = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s"

func emptyKeyValue(v attr.Value) bool {
	return (v.Kind == attr.S && v.Str == "") || (v.Kind == attr.B && len(v.Bin) == 0)
}

// keyFromItem checks that a full item carries the table's key attributes with
// the declared types and returns the encoded primary key.
func keyFromItem(t *tableMeta, item attr.Item) ([]byte, error) {
	var out []byte
	for _, k := range []keyDef{t.Hash, t.Range} {
		if k.Name == "" {
			continue
		}
		v, ok := item[k.Name]
		if !ok {
			return nil, validation("One or more parameter values were invalid: Missing the key %s in the item", k.Name)
		}
		if v.Kind != k.kind() {
			return nil, validation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.Name, k.Type, v.Kind)
		}
		if emptyKeyValue(v) {
			return nil, validation(msgEmptyKey, k.Name)
		}
		out = attr.AppendKey(out, v)
	}
	return out, nil
}

// keyFromKey checks a Key parameter: exactly the key attributes, with their types.
func keyFromKey(t *tableMeta, key attr.Item) ([]byte, error) {
	want := 1
	if t.Range.Name != "" {
		want = 2
	}
	if len(key) != want {
		return nil, validation("The provided key element does not match the schema")
	}
	var out []byte
	for _, k := range []keyDef{t.Hash, t.Range} {
		if k.Name == "" {
			continue
		}
		v, ok := key[k.Name]
		if !ok || v.Kind != k.kind() {
			return nil, validation("The provided key element does not match the schema")
		}
		if emptyKeyValue(v) {
			return nil, validation(msgEmptyKey, k.Name)
		}
		out = attr.AppendKey(out, v)
	}
	return out, nil
}

// keyAttrs returns the table's key attributes of item.
func keyAttrs(t *tableMeta, item attr.Item) attr.Item {
	out := attr.Item{t.Hash.Name: item[t.Hash.Name]}
	if t.Range.Name != "" {
		out[t.Range.Name] = item[t.Range.Name]
	}
	return out
}

// checkIndexKeys rejects an item whose index key attributes have the wrong
// type or are empty; an item lacking them is simply not in the index.
func checkIndexKeys(t *tableMeta, item attr.Item) error {
	for _, ix := range t.Indexes {
		for _, k := range []keyDef{ix.Hash, ix.Range} {
			if k.Name == "" {
				continue
			}
			v, ok := item[k.Name]
			if !ok {
				continue
			}
			if v.Kind != k.kind() {
				return validation("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", k.Name, k.Type, v.Kind, ix.Name)
			}
			if emptyKeyValue(v) {
				return validation("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s", ix.Name, k.Name)
			}
		}
	}
	return nil
}

// checkItem applies the size and nesting limits and the index key checks to an item about to be
// written.
func checkItem(t *tableMeta, item attr.Item) error {
	if attr.ItemSize(item) > maxItemSize {
		return validation("Item size has exceeded the maximum allowed size")
	}
	if attr.TooDeep(item) {
		return errTooDeep()
	}
	return checkIndexKeys(t, item)
}

// errTooDeep is DynamoDB's answer to an item nested past 32 levels, as a write or the result of
// an update (found with the JavaScript SDK, test/node/aws-dynamodb.test.mjs: the engine took any
// depth; the message and the boundary as DynamoDB answers them, measured by other emulators'
// authors against it).
func errTooDeep() error {
	return validation("Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit")
}

// indexKey returns the storage key of item in ix, or nil when the item lacks an
// index key attribute (sparse index). Writes reject wrong-typed or empty index
// keys, but items written before UpdateTable added the index may have them:
// those are left out of the index, as DynamoDB's backfill does.
func indexKey(t *tableMeta, ix *indexMeta, item attr.Item, tableKey []byte) []byte {
	hv, ok := item[ix.Hash.Name]
	if !ok || hv.Kind != ix.Hash.kind() || emptyKeyValue(hv) {
		return nil
	}
	out := attr.AppendKey(nil, hv)
	if ix.Range.Name != "" {
		rv, ok := item[ix.Range.Name]
		if !ok || rv.Kind != ix.Range.kind() || emptyKeyValue(rv) {
			return nil
		}
		out = attr.AppendKey(out, rv)
	}
	return append(out, tableKey...)
}

// projectIndex returns the attributes of item an index holds.
func projectIndex(t *tableMeta, ix *indexMeta, item attr.Item) attr.Item {
	if ix.Projection == "ALL" {
		return item
	}
	out := keyAttrs(t, item)
	for _, n := range []string{ix.Hash.Name, ix.Range.Name} {
		if v, ok := item[n]; ok && n != "" {
			out[n] = v
		}
	}
	for _, n := range ix.NonKey {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out
}

// decodeLegacyItem reads an item stored as wire JSON by earlier versions.
func decodeLegacyItem(data []byte) (attr.Item, error) {
	var it attr.Item
	if err := json.Unmarshal(data, &it); err != nil {
		return nil, fmt.Errorf("decode stored item: %w", err)
	}
	return it, nil
}

// getItem reads an item by encoded key; nil when absent.
func getItem(tx *bolt.Tx, t *tableMeta, key []byte) (attr.Item, error) {
	b := tx.Bucket(itemsBucket(t.Name))
	if b == nil {
		return nil, notFound("Requested resource not found")
	}
	v := b.Get(key)
	if v == nil {
		return nil, nil
	}
	return decodeStored(t, key, v)
}

// writeResult is what one item write cost: the table's write units and those of
// each index it touched.
type writeResult struct {
	table   float64
	indexes map[string]float64
}

func writeUnits(size int) float64 {
	return math.Max(1, math.Ceil(float64(size)/1024))
}

func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// entryBytes returns the stored form of item's entry in ix and its size. An
// ALL projection is the item itself, so its already encoded form is reused.
func entryBytes(t *tableMeta, ix *indexMeta, item attr.Item, itemData []byte, itemSize int) ([]byte, int, error) {
	if ix.Projection == "ALL" {
		return itemData, itemSize, nil
	}
	entry := projectIndex(t, ix, item)
	data, err := encodeItem(entry)
	if err != nil {
		return nil, 0, err
	}
	return data, attr.ItemSize(entry), nil
}

// fillPercent is how full bbolt fills a page it splits. Its default (0.5) suits keys inserted
// anywhere; ours mostly arrive in order within their partition (ids, event ids and index sort
// keys grow with time), so pages split at half were left half empty for good, doubling the
// file. At 0.9 a page split by an in-order insert keeps 90% and the new page takes what
// follows; an insert in the middle of a full page still splits it with room on both sides.
const fillPercent = 0.9

// writeItem replaces old with nw under key (nw nil deletes), keeping every index
// and the table statistics in the same transaction. The new item is encoded
// once; an index entry whose key and stored bytes did not change is not
// rewritten (nor charged), as in DynamoDB.
func writeItem(tx *bolt.Tx, t *tableMeta, key []byte, old, nw attr.Item) (writeResult, error) {
	b := tx.Bucket(itemsBucket(t.Name))
	if b == nil {
		return writeResult{}, notFound("Requested resource not found")
	}
	b.FillPercent = fillPercent
	res := writeResult{}
	var oldData, newData []byte
	oldSize, newSize := 0, 0
	if old != nil {
		oldData = b.Get(key)
		if len(oldData) == 0 || oldData[0] != storedFormat(t) {
			// Written by an earlier version: re-encode so entries compare by bytes.
			var err error
			if oldData, err = encodeStored(t, old); err != nil {
				return res, err
			}
		}
		var err error
		if oldSize, err = storedSize(oldData); err != nil {
			return res, err
		}
	}
	var dCount int64
	if nw != nil {
		var err error
		if newData, err = encodeStored(t, nw); err != nil {
			return res, err
		}
		if newSize, err = storedSize(newData); err != nil {
			return res, err
		}
		if err := b.Put(key, newData); err != nil {
			return res, fmt.Errorf("put item: %w", err)
		}
		if old == nil {
			dCount = 1
		}
	} else if old != nil {
		if err := b.Delete(key); err != nil {
			return res, fmt.Errorf("delete item: %w", err)
		}
		dCount = -1
	}
	res.table = writeUnits(max(oldSize, newSize))
	if err := addStats(tx, statsKey(t.Name, ""), dCount, int64(newSize-oldSize)); err != nil {
		return res, fmt.Errorf("table stats: %w", err)
	}
	for _, ix := range t.Indexes {
		units, wrote, err := writeIndexEntry(tx, t, ix, key, old, nw, oldData, newData, oldSize, newSize)
		if err != nil {
			return res, err
		}
		if !wrote {
			continue
		}
		if res.indexes == nil {
			res.indexes = map[string]float64{}
		}
		res.indexes[ix.Name] = units
	}
	return res, nil
}

// writeIndexEntry keeps one index in step with the write of key (old to nw): it moves, rewrites
// or deletes the entry, and says whether it wrote and the units that cost.
func writeIndexEntry(tx *bolt.Tx, t *tableMeta, ix *indexMeta, key []byte, old, nw attr.Item, oldData, newData []byte, oldSize, newSize int) (float64, bool, error) {
	var oldKey, newKey []byte
	if old != nil {
		oldKey = indexKey(t, ix, old, key)
	}
	if nw != nil {
		newKey = indexKey(t, ix, nw, key)
	}
	if oldKey == nil && newKey == nil {
		return 0, false, nil
	}
	ib := tx.Bucket(indexBucket(t.Name, ix.Name))
	if ib == nil {
		return 0, false, notFound("Requested resource not found")
	}
	ib.FillPercent = fillPercent
	var oldEntry, newEntry []byte
	var oldEntrySize, newEntrySize int
	var err error
	if oldKey != nil {
		if oldEntry, oldEntrySize, err = entryBytes(t, ix, old, oldData, oldSize); err != nil {
			return 0, false, err
		}
	}
	if newKey != nil {
		if newEntry, newEntrySize, err = entryBytes(t, ix, nw, newData, newSize); err != nil {
			return 0, false, err
		}
	}
	units := 0.0
	var dc, db int64
	if oldKey != nil && newKey != nil && bytes.Equal(oldKey, newKey) {
		if bytes.Equal(oldEntry, newEntry) {
			return 0, false, nil // nothing the index holds changed: no index write
		}
		units = writeUnits(max(oldEntrySize, newEntrySize))
		db = int64(newEntrySize - oldEntrySize)
	} else {
		if oldKey != nil {
			if err := ib.Delete(oldKey); err != nil {
				return 0, false, fmt.Errorf("index %s delete: %w", ix.Name, err)
			}
			units += writeUnits(oldEntrySize)
			dc--
			db -= int64(oldEntrySize)
		}
		if newKey != nil {
			units += writeUnits(newEntrySize)
			dc++
			db += int64(newEntrySize)
		}
	}
	if newKey != nil {
		if err := ib.Put(newKey, storedEntry(ix, newEntry, newEntrySize, key)); err != nil {
			return 0, false, fmt.Errorf("index %s put: %w", ix.Name, err)
		}
	}
	if err := addStats(tx, statsKey(t.Name, ix.Name), dc, db); err != nil {
		return 0, false, fmt.Errorf("index stats: %w", err)
	}
	return units, true, nil
}

// capacity accumulates the consumed capacity of one request on one table.
// A transaction's condition checks are reads inside a write request, so the
// table keeps both kinds; read says which kind the rest are.
type capacity struct {
	read      bool
	table     float64
	tableRead float64 // reads in a write request (ConditionCheck)
	indexes   map[string]float64
	local     map[string]bool
}

func newCapacity(t *tableMeta, read bool) *capacity {
	c := &capacity{read: read, indexes: map[string]float64{}, local: map[string]bool{}}
	for _, ix := range t.Indexes {
		c.local[ix.Name] = ix.Local
	}
	return c
}

// addWrite adds one item write; factor multiplies the table's units only (2 in a transaction).
// DynamoDB applies the transactional factor to the base table alone: an index's units are what
// the same write costs outside a transaction (measured against DynamoDB by another emulator's
// authors: github.com/nubo-db/dynoxide/pull/188; the pricing page prices transactional writes
// per item written to the table).
func (c *capacity) addWrite(w writeResult, factor float64) {
	c.table += w.table * factor
	for n, u := range w.indexes {
		c.indexes[n] += u
	}
}

// units returns a capacity object: CapacityUnits and the read/write split.
func (c *capacity) units(main, reads float64) map[string]any {
	mainKey := "WriteCapacityUnits"
	if c.read {
		mainKey = "ReadCapacityUnits"
	}
	out := map[string]any{"CapacityUnits": main + reads}
	if main > 0 || reads == 0 {
		out[mainKey] = main
	}
	if reads > 0 {
		out["ReadCapacityUnits"] = reads
	}
	return out
}

// render returns the ConsumedCapacity object for mode (TOTAL or INDEXES), or
// nil for NONE.
func (c *capacity) render(table, mode string) map[string]any {
	if mode != "TOTAL" && mode != "INDEXES" {
		return nil
	}
	total := c.table
	for _, u := range c.indexes {
		total += u
	}
	out := c.units(total, c.tableRead)
	out["TableName"] = table
	if mode == "INDEXES" {
		out["Table"] = c.units(c.table, c.tableRead)
		gsi, lsi := map[string]any{}, map[string]any{}
		for n, u := range c.indexes {
			m := c.units(u, 0)
			if c.local[n] {
				lsi[n] = m
			} else {
				gsi[n] = m
			}
		}
		if len(gsi) > 0 {
			out["GlobalSecondaryIndexes"] = gsi
		}
		if len(lsi) > 0 {
			out["LocalSecondaryIndexes"] = lsi
		}
	}
	return out
}

func checkReturnConsumed(mode string) error {
	switch mode {
	case "", "NONE", "TOTAL", "INDEXES":
		return nil
	}
	return validation("1 validation error detected: Value '%s' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]", mode)
}
