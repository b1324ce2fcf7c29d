package dynamo

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// Storage layout: bucket "_tables" maps a table name to its JSON metadata,
// "_stats" keeps item count and bytes per table and index, "t.<table>" holds
// the items under EncodeKey(pk)+EncodeKey(sk), and "x.<table>.<index>" holds
// each index's projected entries under index pk + index sk + table pk + table sk.
var (
	bucketTables = []byte("_tables")
	bucketStats  = []byte("_stats")
)

func itemsBucket(table string) []byte        { return []byte("t." + table) }
func indexBucket(table, index string) []byte { return []byte("x." + table + "." + index) }
func statsKey(table, index string) []byte    { return []byte(table + "\x00" + index) }

type keyDef struct {
	Name string
	Type string // S, N or B
}

func (k keyDef) kind() attr.Kind { return attr.KindFromString(k.Type) }

type indexMeta struct {
	Name       string
	Local      bool
	Hash       keyDef
	Range      keyDef // Name "" when the index has no sort key
	Projection string // ALL, KEYS_ONLY or INCLUDE
	NonKey     []string
	RCU, WCU   int64
	Online     bool // added to an existing table by UpdateTable
}

type tableMeta struct {
	Name        string
	ID          string
	Hash        keyDef
	Range       keyDef
	AttrDefs    []keyDef
	Indexes     []*indexMeta
	BillingMode string
	RCU, WCU    int64
	Created     float64 // epoch seconds
	TTLAttr     string
	TTLEnabled  bool
}

func (t *tableMeta) index(name string) *indexMeta {
	for _, ix := range t.Indexes {
		if ix.Name == name {
			return ix
		}
	}
	return nil
}

func (e *Engine) loadTables() error {
	return e.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketTables)
		if err != nil {
			return fmt.Errorf("dynamo: create tables bucket: %w", err)
		}
		if _, err := tx.CreateBucketIfNotExists(bucketStats); err != nil {
			return fmt.Errorf("dynamo: create stats bucket: %w", err)
		}
		return b.ForEach(func(k, v []byte) error {
			var t tableMeta
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("dynamo: table %q metadata: %w", k, err)
			}
			e.tables[t.Name] = &t
			return nil
		})
	})
}

// tableNotFound answers a table operation (DescribeTable, DeleteTable, UpdateTable, the TTL
// operations) whose table is not there. An empty TableName breaks the request's model, which
// DynamoDB checks first: ValidationException, as for every item operation (table), not
// ResourceNotFoundException (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTable.html:
// TableName, Minimum length of 1; found with the JavaScript SDK, test/node/aws-dynamodb.test.mjs).
func tableNotFound(name string) *apiError {
	if name == "" {
		return validation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	return notFound("Requested resource not found: Table: " + name + " not found")
}

// table returns the metadata of an existing table or ResourceNotFoundException.
func (e *Engine) table(name string) (*tableMeta, error) {
	if name == "" {
		return nil, validation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	e.mu.RLock()
	t := e.tables[name]
	e.mu.RUnlock()
	if t == nil {
		return nil, notFound("Requested resource not found")
	}
	return t, nil
}

// --- wire shapes ---

type wireKeySchema struct {
	AttributeName string
	KeyType       string
}

type wireAttrDef struct {
	AttributeName string
	AttributeType string
}

type wireProjection struct {
	ProjectionType   string   `json:",omitempty"`
	NonKeyAttributes []string `json:",omitempty"`
}

type wireThroughput struct {
	ReadCapacityUnits  int64
	WriteCapacityUnits int64
}

type wireIndex struct {
	IndexName             string
	KeySchema             []wireKeySchema
	Projection            *wireProjection
	ProvisionedThroughput *wireThroughput
}

type createTableInput struct {
	TableName              string
	KeySchema              []wireKeySchema
	AttributeDefinitions   []wireAttrDef
	GlobalSecondaryIndexes []wireIndex
	LocalSecondaryIndexes  []wireIndex
	BillingMode            string
	ProvisionedThroughput  *wireThroughput
}

var tableNameRe = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

func checkTableName(name, field string) error {
	if name == "" {
		return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if len(name) < 3 || len(name) > 255 {
		key := "TableName"
		if field == "indexName" {
			key = "IndexName"
		}
		return validation("%s must be at least 3 characters long and at most 255 characters long", key)
	}
	if !tableNameRe.MatchString(name) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name, field)
	}
	return nil
}

// keySchema resolves a KeySchema against the attribute definitions.
func keySchema(ks []wireKeySchema, defs map[string]string, where string) (hash, rng keyDef, err error) {
	if len(ks) == 0 || len(ks) > 2 {
		return hash, rng, validation("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must have length less than or equal to 2", ks, where)
	}
	if ks[0].KeyType != "HASH" {
		return hash, rng, validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(ks) == 2 {
		if ks[1].KeyType != "RANGE" {
			return hash, rng, validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
		}
		if ks[0].AttributeName == ks[1].AttributeName {
			return hash, rng, validation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
		}
	}
	var missing []string
	for _, k := range ks {
		if _, ok := defs[k.AttributeName]; !ok {
			missing = append(missing, k.AttributeName)
		}
	}
	if len(missing) > 0 {
		names := make([]string, 0, len(defs))
		for n := range defs {
			names = append(names, n)
		}
		sort.Strings(names)
		return hash, rng, validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]", strings.Join(missing, ", "), strings.Join(names, ", "))
	}
	hash = keyDef{Name: ks[0].AttributeName, Type: defs[ks[0].AttributeName]}
	if len(ks) == 2 {
		rng = keyDef{Name: ks[1].AttributeName, Type: defs[ks[1].AttributeName]}
	}
	return hash, rng, nil
}

// attributeDefs checks AttributeDefinitions (types, no duplicates) and returns them by name and
// in order.
func attributeDefs(in []wireAttrDef) (map[string]string, []keyDef, error) {
	defs := map[string]string{}
	var defList []keyDef
	for _, d := range in {
		if d.AttributeType != "S" && d.AttributeType != "N" && d.AttributeType != "B" {
			return nil, nil, validation("1 validation error detected: Value '%s' at 'attributeDefinitions.%d.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType, len(defList)+1)
		}
		if _, dup := defs[d.AttributeName]; dup {
			return nil, nil, validation("Cannot have two attributes with the same name")
		}
		defs[d.AttributeName] = d.AttributeType
		defList = append(defList, keyDef{Name: d.AttributeName, Type: d.AttributeType})
	}
	return defs, defList, nil
}

// setBilling checks the billing mode against the throughput given and records both.
func (t *tableMeta) setBilling(mode string, pt *wireThroughput) error {
	switch mode {
	case "", "PROVISIONED":
		t.BillingMode = "PROVISIONED"
		if pt == nil {
			return validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		if pt.ReadCapacityUnits < 1 || pt.WriteCapacityUnits < 1 {
			return validation("One or more parameter values were invalid: Provisioned throughput values must be at least 1")
		}
		t.RCU, t.WCU = pt.ReadCapacityUnits, pt.WriteCapacityUnits
	case "PAY_PER_REQUEST":
		t.BillingMode = "PAY_PER_REQUEST"
		if pt != nil {
			return validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	default:
		return validation("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", mode)
	}
	return nil
}

// indexAdder adds a CreateTable's secondary indexes to t, noting the attributes their keys use.
type indexAdder struct {
	t          *tableMeta
	defs       map[string]string
	used, seen map[string]bool
}

func (ia indexAdder) add(list []wireIndex, local bool) error {
	for _, wi := range list {
		if err := ia.one(wi, local); err != nil {
			return err
		}
	}
	if len(list) > 20 && !local {
		return validation("One or more parameter values were invalid: Global Secondary Index count exceeds the per-table limit of 20")
	}
	if len(list) > 5 && local {
		return validation("One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5")
	}
	return nil
}

func (ia indexAdder) one(wi wireIndex, local bool) error {
	t := ia.t
	if err := checkTableName(wi.IndexName, "indexName"); err != nil {
		return err
	}
	if ia.seen[wi.IndexName] {
		return validation("One or more parameter values were invalid: Duplicate index name: %s", wi.IndexName)
	}
	ia.seen[wi.IndexName] = true
	h, r, err := keySchema(wi.KeySchema, ia.defs, "keySchema")
	if err != nil {
		return err
	}
	ix := &indexMeta{Name: wi.IndexName, Local: local, Hash: h, Range: r}
	if local {
		if err := checkLocalKeys(t, wi.IndexName, h, r); err != nil {
			return err
		}
	}
	if ix.Projection, ix.NonKey, err = indexProjection(wi.Projection); err != nil {
		return err
	}
	if !local {
		if t.BillingMode == "PROVISIONED" {
			if wi.ProvisionedThroughput == nil {
				return validation("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s", wi.IndexName)
			}
			ix.RCU, ix.WCU = wi.ProvisionedThroughput.ReadCapacityUnits, wi.ProvisionedThroughput.WriteCapacityUnits
		} else if wi.ProvisionedThroughput != nil {
			return validation("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", wi.IndexName)
		}
	}
	ia.used[h.Name], ia.used[r.Name] = true, true
	t.Indexes = append(t.Indexes, ix)
	return nil
}

// checkLocalKeys applies a local index's rules: the table has a range key, the index shares the
// table's hash key and has a range key of its own.
func checkLocalKeys(t *tableMeta, name string, h, r keyDef) error {
	if t.Range.Name == "" {
		return validation("One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
	}
	if h.Name != t.Hash.Name {
		return validation("One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s", name, h.Name, t.Hash.Name)
	}
	if r.Name == "" {
		return validation("One or more parameter values were invalid: Index KeySchema does not have a range key for index: %s", name)
	}
	return nil
}

func opCreateTable(e *Engine, body []byte) (any, error) {
	var in createTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkTableName(in.TableName, "tableName"); err != nil {
		return nil, err
	}
	if len(in.AttributeDefinitions) == 0 {
		return nil, validation("1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null")
	}
	defs, defList, err := attributeDefs(in.AttributeDefinitions)
	if err != nil {
		return nil, err
	}
	hash, rng, err := keySchema(in.KeySchema, defs, "keySchema")
	if err != nil {
		return nil, err
	}
	t := &tableMeta{Name: in.TableName, ID: uuid.NewString(), Hash: hash, Range: rng, AttrDefs: defList, Created: float64(e.opts.Now().UnixMilli()) / 1000}
	if err := t.setBilling(in.BillingMode, in.ProvisionedThroughput); err != nil {
		return nil, err
	}
	ia := indexAdder{t: t, defs: defs, used: map[string]bool{hash.Name: true, rng.Name: true}, seen: map[string]bool{}}
	if err := ia.add(in.GlobalSecondaryIndexes, false); err != nil {
		return nil, err
	}
	if err := ia.add(in.LocalSecondaryIndexes, true); err != nil {
		return nil, err
	}
	used := ia.used
	for _, d := range defList {
		if !used[d.Name] {
			if len(t.Indexes) == 0 {
				return nil, validation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
			}
			return nil, validation("One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]", defNames(defList), usedNames(used))
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tables[t.Name] != nil {
		return nil, inUse("Table already exists: " + t.Name)
	}
	data, err := json.Marshal(t)
	if err != nil {
		return nil, internal(err)
	}
	err = e.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketTables).Put([]byte(t.Name), data); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(itemsBucket(t.Name)); err != nil {
			return err
		}
		for _, ix := range t.Indexes {
			if _, err := tx.CreateBucket(indexBucket(t.Name, ix.Name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, internal(fmt.Errorf("create table %s: %w", t.Name, err))
	}
	e.tables[t.Name] = t
	desc := e.describe(t, nil)
	// DynamoDB answers CREATING and flips to ACTIVE shortly after; the table is
	// usable at once here, so it is ACTIVE from the start, as DynamoDB Local does.
	return map[string]any{"TableDescription": desc}, nil
}

// indexProjection checks an index's Projection.
func indexProjection(p *wireProjection) (string, []string, error) {
	if p == nil || p.ProjectionType == "" {
		return "", nil, validation("One or more parameter values were invalid: Unknown ProjectionType: null")
	}
	switch p.ProjectionType {
	case "ALL", "KEYS_ONLY":
		if len(p.NonKeyAttributes) > 0 {
			return "", nil, validation("One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified", p.ProjectionType)
		}
		return p.ProjectionType, nil, nil
	case "INCLUDE":
		if len(p.NonKeyAttributes) == 0 {
			return "", nil, validation("One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
		}
		return p.ProjectionType, p.NonKeyAttributes, nil
	}
	return "", nil, validation("One or more parameter values were invalid: Unknown ProjectionType: %s", p.ProjectionType)
}

func defNames(d []keyDef) string {
	out := make([]string, len(d))
	for i, k := range d {
		out[i] = k.Name
	}
	return strings.Join(out, ", ")
}

func usedNames(m map[string]bool) string {
	var out []string
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

type stats struct{ count, bytes int64 }

func readStats(tx *bolt.Tx, key []byte) stats {
	v := tx.Bucket(bucketStats).Get(key)
	if len(v) != 16 {
		return stats{}
	}
	return stats{count: int64(binary.BigEndian.Uint64(v)), bytes: int64(binary.BigEndian.Uint64(v[8:]))}
}

func addStats(tx *bolt.Tx, key []byte, dCount, dBytes int64) error {
	if dCount == 0 && dBytes == 0 {
		return nil
	}
	s := readStats(tx, key)
	var v [16]byte
	binary.BigEndian.PutUint64(v[:], uint64(max(0, s.count+dCount)))
	binary.BigEndian.PutUint64(v[8:], uint64(max(0, s.bytes+dBytes)))
	return tx.Bucket(bucketStats).Put(key, v[:])
}

func (e *Engine) arn(t *tableMeta) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", e.opts.Region, e.opts.AccountID, t.Name)
}

func schemaOf(h, r keyDef) []wireKeySchema {
	ks := []wireKeySchema{{AttributeName: h.Name, KeyType: "HASH"}}
	if r.Name != "" {
		ks = append(ks, wireKeySchema{AttributeName: r.Name, KeyType: "RANGE"})
	}
	return ks
}

// describe builds a TableDescription; tx may be nil (counts then read in their own transaction).
func (e *Engine) describe(t *tableMeta, tx *bolt.Tx) map[string]any {
	if tx == nil {
		var out map[string]any
		if err := e.db.View(func(tx *bolt.Tx) error { out = e.describe(t, tx); return nil }); err != nil {
			return map[string]any{"TableName": t.Name}
		}
		return out
	}
	defs := make([]wireAttrDef, len(t.AttrDefs))
	for i, d := range t.AttrDefs {
		defs[i] = wireAttrDef{AttributeName: d.Name, AttributeType: d.Type}
	}
	st := readStats(tx, statsKey(t.Name, ""))
	d := map[string]any{
		"TableName":            t.Name,
		"TableId":              t.ID,
		"TableArn":             e.arn(t),
		"TableStatus":          "ACTIVE",
		"KeySchema":            schemaOf(t.Hash, t.Range),
		"AttributeDefinitions": defs,
		"CreationDateTime":     t.Created,
		"ItemCount":            st.count,
		"TableSizeBytes":       st.bytes,
		"ProvisionedThroughput": map[string]any{
			"ReadCapacityUnits": t.RCU, "WriteCapacityUnits": t.WCU, "NumberOfDecreasesToday": 0,
		},
		"DeletionProtectionEnabled": false,
	}
	if t.BillingMode == "PAY_PER_REQUEST" {
		d["BillingModeSummary"] = map[string]any{"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": t.Created}
	}
	var gsis, lsis []map[string]any
	for _, ix := range t.Indexes {
		m := e.describeIndex(t, ix, tx)
		if ix.Local {
			lsis = append(lsis, m)
			continue
		}
		gsis = append(gsis, m)
	}
	if gsis != nil {
		d["GlobalSecondaryIndexes"] = gsis
	}
	if lsis != nil {
		d["LocalSecondaryIndexes"] = lsis
	}
	return d
}

// describeIndex builds an index's description. Indexes are usable as soon as
// they exist here (UpdateTable backfills before it answers), so a global index
// is always ACTIVE; one added by UpdateTable also says it is done backfilling,
// where DynamoDB omits Backfilling for indexes made with the table.
func (e *Engine) describeIndex(t *tableMeta, ix *indexMeta, tx *bolt.Tx) map[string]any {
	ist := readStats(tx, statsKey(t.Name, ix.Name))
	proj := map[string]any{"ProjectionType": ix.Projection}
	if len(ix.NonKey) > 0 {
		proj["NonKeyAttributes"] = ix.NonKey
	}
	m := map[string]any{
		"IndexName":      ix.Name,
		"IndexArn":       e.arn(t) + "/index/" + ix.Name,
		"KeySchema":      schemaOf(ix.Hash, ix.Range),
		"Projection":     proj,
		"ItemCount":      ist.count,
		"IndexSizeBytes": ist.bytes,
	}
	if ix.Local {
		return m
	}
	m["IndexStatus"] = "ACTIVE"
	if ix.Online {
		m["Backfilling"] = false
	}
	m["ProvisionedThroughput"] = map[string]any{"ReadCapacityUnits": ix.RCU, "WriteCapacityUnits": ix.WCU, "NumberOfDecreasesToday": 0}
	return m
}

type tableNameInput struct{ TableName string }

func opDescribeTable(e *Engine, body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, err := e.table(in.TableName)
	if err != nil {
		return nil, tableNotFound(in.TableName)
	}
	return map[string]any{"Table": e.describe(t, nil)}, nil
}

func opListTables(e *Engine, body []byte) (any, error) {
	var in struct {
		ExclusiveStartTableName string
		Limit                   *int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100", *in.Limit)
		}
		limit = *in.Limit
	}
	e.mu.RLock()
	names := make([]string, 0, len(e.tables))
	for n := range e.tables {
		names = append(names, n)
	}
	e.mu.RUnlock()
	sort.Strings(names)
	start := sort.SearchStrings(names, in.ExclusiveStartTableName)
	if start < len(names) && names[start] == in.ExclusiveStartTableName {
		start++
	}
	names = names[start:]
	out := map[string]any{}
	if len(names) > limit {
		names = names[:limit]
		out["LastEvaluatedTableName"] = names[limit-1]
	}
	out["TableNames"] = names
	return out, nil
}

func opDeleteTable(e *Engine, body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tables[in.TableName]
	if t == nil {
		return nil, tableNotFound(in.TableName)
	}
	var desc map[string]any
	err := e.db.Update(func(tx *bolt.Tx) error {
		desc = e.describe(t, tx)
		if err := tx.Bucket(bucketTables).Delete([]byte(t.Name)); err != nil {
			return err
		}
		if err := tx.DeleteBucket(itemsBucket(t.Name)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketStats).Delete(statsKey(t.Name, "")); err != nil {
			return err
		}
		for _, ix := range t.Indexes {
			if err := tx.DeleteBucket(indexBucket(t.Name, ix.Name)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketStats).Delete(statsKey(t.Name, ix.Name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, internal(fmt.Errorf("delete table %s: %w", t.Name, err))
	}
	delete(e.tables, t.Name)
	desc["TableStatus"] = "DELETING"
	return map[string]any{"TableDescription": desc}, nil
}

func (e *Engine) saveMeta(t *tableMeta) error {
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return e.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketTables).Put([]byte(t.Name), data) })
}

func opUpdateTimeToLive(e *Engine, body []byte) (any, error) {
	var in struct {
		TableName               string
		TimeToLiveSpecification *struct {
			AttributeName string
			Enabled       *bool
		}
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	spec := in.TimeToLiveSpecification
	if spec == nil || spec.Enabled == nil || spec.AttributeName == "" {
		return nil, validation("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tables[in.TableName]
	if t == nil {
		return nil, tableNotFound(in.TableName)
	}
	switch {
	case *spec.Enabled && t.TTLEnabled:
		return nil, validation("TimeToLive is already enabled")
	case !*spec.Enabled && !t.TTLEnabled:
		return nil, validation("TimeToLive is already disabled")
	case !*spec.Enabled && spec.AttributeName != t.TTLAttr:
		return nil, validation("TimeToLive is active on a different AttributeName: current AttributeName is %s", t.TTLAttr)
	}
	nt := *t
	nt.TTLEnabled = *spec.Enabled
	nt.TTLAttr = spec.AttributeName
	if err := e.saveMeta(&nt); err != nil {
		return nil, internal(fmt.Errorf("update ttl of %s: %w", t.Name, err))
	}
	e.tables[t.Name] = &nt
	return map[string]any{"TimeToLiveSpecification": map[string]any{"AttributeName": spec.AttributeName, "Enabled": *spec.Enabled}}, nil
}

func opDescribeTimeToLive(e *Engine, body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, err := e.table(in.TableName)
	if err != nil {
		return nil, tableNotFound(in.TableName)
	}
	d := map[string]any{"TimeToLiveStatus": "DISABLED"}
	if t.TTLEnabled {
		d = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": t.TTLAttr}
	}
	return map[string]any{"TimeToLiveDescription": d}, nil
}
