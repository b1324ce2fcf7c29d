package dynamo

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// UpdateTable. DynamoDB builds a new global secondary index in the background
// (IndexStatus CREATING, Backfilling true, for minutes) and removes one the same
// way (DELETING). Here the backfill runs before the answer, in one transaction
// under the exclusive schema lock, so a table and its indexes are always ACTIVE
// and an index is complete the moment it is described, as in DynamoDB Local.
// Clients written for DynamoDB still wait for ACTIVE and find it at once.

const (
	msgOneOnlineIndex = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
	maxGSIs           = 20
)

type updateTableInput struct {
	TableName                   string
	AttributeDefinitions        []wireAttrDef
	GlobalSecondaryIndexUpdates []wireIndexUpdate
	BillingMode                 string
	ProvisionedThroughput       *wireThroughput
	// Streams are not implemented by the engine (CreateTable ignores them
	// too), so a StreamSpecification is accepted and has no effect.
	StreamSpecification json.RawMessage
}

type wireIndexUpdate struct {
	Create *wireIndex
	Update *struct {
		IndexName             string
		ProvisionedThroughput *wireThroughput
	}
	Delete *struct{ IndexName string }
}

// indexChange is one validated entry of GlobalSecondaryIndexUpdates.
type indexChange struct {
	create *indexMeta
	update *wireThroughput
	delete bool
	name   string
}

// check applies UpdateTable's request rules that need no table: something to change, one action
// per index update, one online index change at a time, a known billing mode, no index created
// with a throughput or stream change.
func (in *updateTableInput) check() error {
	if len(in.GlobalSecondaryIndexUpdates) == 0 && in.BillingMode == "" && in.ProvisionedThroughput == nil && in.StreamSpecification == nil {
		return validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	online := 0
	for i, u := range in.GlobalSecondaryIndexUpdates {
		n := 0
		for _, set := range []bool{u.Create != nil, u.Update != nil, u.Delete != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return validation("One or more parameter values were invalid: One and only one of Create, Update or Delete must be specified in GlobalSecondaryIndexUpdate %d", i+1)
		}
		if u.Create != nil || u.Delete != nil {
			online++
		}
	}
	if online > 1 {
		return limitExceeded(msgOneOnlineIndex)
	}
	switch in.BillingMode {
	case "", "PROVISIONED", "PAY_PER_REQUEST":
	default:
		return validation("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", in.BillingMode)
	}
	creating := false
	for _, u := range in.GlobalSecondaryIndexUpdates {
		creating = creating || u.Create != nil
	}
	if creating && (in.ProvisionedThroughput != nil || in.StreamSpecification != nil) {
		return validation("One or more parameter values were invalid: A global secondary index cannot be created in the same UpdateTable request that changes the table's ProvisionedThroughput or StreamSpecification")
	}
	return nil
}

func opUpdateTable(e *Engine, body []byte) (any, error) {
	var in updateTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkTableName(in.TableName, "tableName"); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}

	e.mu.RLock()
	t := e.tables[in.TableName]
	e.mu.RUnlock()
	if t == nil {
		return nil, tableNotFound(in.TableName)
	}
	nt, changes, err := planUpdate(t, &in)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(nt)
	if err != nil {
		return nil, internal(err)
	}
	var desc map[string]any
	err = e.db.Update(func(tx *bolt.Tx) error {
		var dropped []map[string]any
		for _, c := range changes {
			switch {
			case c.create != nil:
				if err := backfill(tx, nt, c.create); err != nil {
					return fmt.Errorf("backfill index %s: %w", c.name, err)
				}
			case c.delete:
				dropped = append(dropped, e.describeIndex(t, t.index(c.name), tx))
				if err := dropIndex(tx, t.Name, c.name); err != nil {
					return err
				}
			}
		}
		if err := tx.Bucket(bucketTables).Put([]byte(nt.Name), data); err != nil {
			return err
		}
		desc = e.describe(nt, tx)
		if len(dropped) > 0 {
			// As DynamoDB answers a delete: the index is listed as DELETING, and
			// is gone from the next DescribeTable.
			for _, d := range dropped {
				d["IndexStatus"] = "DELETING"
			}
			gsis, _ := desc["GlobalSecondaryIndexes"].([]map[string]any)
			desc["GlobalSecondaryIndexes"] = append(gsis, dropped...)
		}
		return nil
	})
	if err != nil {
		return nil, internal(fmt.Errorf("update table %s: %w", t.Name, err))
	}
	e.mu.Lock()
	e.tables[nt.Name] = nt
	e.mu.Unlock()
	return map[string]any{"TableDescription": desc}, nil
}

// planUpdate checks the request against the table and returns the table's new
// description with the index changes to carry out.
func planUpdate(t *tableMeta, in *updateTableInput) (*tableMeta, []indexChange, error) {
	nt := *t
	nt.Indexes = make([]*indexMeta, 0, len(t.Indexes)+1)
	for _, ix := range t.Indexes {
		c := *ix
		nt.Indexes = append(nt.Indexes, &c)
	}
	mode := t.BillingMode
	if in.BillingMode != "" {
		mode = in.BillingMode
	}
	switching := mode != t.BillingMode

	var changes []indexChange
	seen := map[string]bool{}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		var c indexChange
		switch {
		case u.Create != nil:
			c.name = u.Create.IndexName
		case u.Update != nil:
			c.name = u.Update.IndexName
		default:
			c.name = u.Delete.IndexName
		}
		if err := checkTableName(c.name, "indexName"); err != nil {
			return nil, nil, err
		}
		if seen[c.name] {
			return nil, nil, validation("One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: %s", c.name)
		}
		seen[c.name] = true
		existing := nt.index(c.name)
		switch {
		case u.Create != nil:
			if existing != nil {
				return nil, nil, validation("One or more parameter values were invalid: Attempting to create an index which already exists: %s", c.name)
			}
			ix, err := newOnlineIndex(&nt, u.Create, in.AttributeDefinitions, mode)
			if err != nil {
				return nil, nil, err
			}
			c.create = ix
			nt.Indexes = append(nt.Indexes, ix)
		case existing == nil:
			return nil, nil, notFound(fmt.Sprintf("Requested resource not found: Index %s for table %s", c.name, t.Name))
		case existing.Local:
			return nil, nil, validation("One or more parameter values were invalid: %s is a local secondary index; GlobalSecondaryIndexUpdates only apply to global secondary indexes", c.name)
		case u.Update != nil:
			pt := u.Update.ProvisionedThroughput
			if pt == nil {
				return nil, nil, validation("One or more parameter values were invalid: ProvisionedThroughput must be specified to update index: %s", c.name)
			}
			if err := checkIndexThroughput(c.name, pt, mode); err != nil {
				return nil, nil, err
			}
			if !switching && pt.ReadCapacityUnits == existing.RCU && pt.WriteCapacityUnits == existing.WCU {
				return nil, nil, validation("The provisioned throughput for the index %s will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the index: %d. Requested ReadCapacityUnits: %d. Current WriteCapacityUnits provisioned for the index: %d. Requested WriteCapacityUnits: %d. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.", c.name, existing.RCU, pt.ReadCapacityUnits, existing.WCU, pt.WriteCapacityUnits)
			}
			existing.RCU, existing.WCU = pt.ReadCapacityUnits, pt.WriteCapacityUnits
			c.update = pt
		default:
			c.delete = true
			kept := nt.Indexes[:0]
			for _, ix := range nt.Indexes {
				if ix.Name != c.name {
					kept = append(kept, ix)
				}
			}
			nt.Indexes = kept
		}
		changes = append(changes, c)
	}
	if globalCount(&nt) > maxGSIs {
		return nil, nil, limitExceeded(fmt.Sprintf("Subscriber limit exceeded: The number of global secondary indexes for table %s cannot exceed %d", t.Name, maxGSIs))
	}
	if err := planBilling(t, &nt, in, mode, changes); err != nil {
		return nil, nil, err
	}
	nt.AttrDefs = usedDefs(&nt, t.AttrDefs)
	return &nt, changes, nil
}

// planBilling applies BillingMode and the table's ProvisionedThroughput.
func planBilling(t, nt *tableMeta, in *updateTableInput, mode string, changes []indexChange) error {
	pt := in.ProvisionedThroughput
	nt.BillingMode = mode
	if mode == "PAY_PER_REQUEST" {
		if pt != nil {
			return validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		// On-demand tables and their indexes describe their throughput as 0/0.
		nt.RCU, nt.WCU = 0, 0
		for _, ix := range nt.Indexes {
			ix.RCU, ix.WCU = 0, 0
		}
		return nil
	}
	if t.BillingMode == "PAY_PER_REQUEST" {
		// Switching to provisioned capacity: nothing is assigned by default.
		if pt == nil {
			return validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		given := map[string]bool{}
		for _, c := range changes {
			given[c.name] = c.update != nil || c.create != nil
		}
		for _, ix := range nt.Indexes {
			if !ix.Local && !given[ix.Name] {
				return validation("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s", ix.Name)
			}
		}
	}
	if pt == nil {
		return nil
	}
	if pt.ReadCapacityUnits < 1 || pt.WriteCapacityUnits < 1 {
		return validation("One or more parameter values were invalid: Provisioned throughput values must be at least 1")
	}
	if t.BillingMode == "PROVISIONED" && pt.ReadCapacityUnits == t.RCU && pt.WriteCapacityUnits == t.WCU {
		return validation("The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: %d. Requested ReadCapacityUnits: %d. Current WriteCapacityUnits provisioned for the table: %d. Requested WriteCapacityUnits: %d. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.", t.RCU, pt.ReadCapacityUnits, t.WCU, pt.WriteCapacityUnits)
	}
	nt.RCU, nt.WCU = pt.ReadCapacityUnits, pt.WriteCapacityUnits
	return nil
}

func checkIndexThroughput(name string, pt *wireThroughput, mode string) error {
	if mode == "PAY_PER_REQUEST" {
		if pt != nil {
			return validation("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", name)
		}
		return nil
	}
	if pt == nil {
		return validation("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s", name)
	}
	if pt.ReadCapacityUnits < 1 || pt.WriteCapacityUnits < 1 {
		return validation("One or more parameter values were invalid: Provisioned throughput values must be at least 1")
	}
	return nil
}

// newOnlineIndex checks a Create action. Its key attributes must be defined in
// the request's own AttributeDefinitions, even ones the table already defines;
// other entries there are ignored, as DynamoDB does.
func newOnlineIndex(t *tableMeta, w *wireIndex, reqDefs []wireAttrDef, mode string) (*indexMeta, error) {
	defs := map[string]string{}
	for i, d := range reqDefs {
		if d.AttributeType != "S" && d.AttributeType != "N" && d.AttributeType != "B" {
			return nil, validation("1 validation error detected: Value '%s' at 'attributeDefinitions.%d.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType, i+1)
		}
		defs[d.AttributeName] = d.AttributeType
	}
	h, r, err := keySchema(w.KeySchema, defs, "keySchema")
	if err != nil {
		return nil, err
	}
	for _, k := range []keyDef{h, r} {
		if k.Name == "" {
			continue
		}
		for _, old := range t.AttrDefs {
			if old.Name == k.Name && old.Type != k.Type {
				return nil, validation("One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Attribute: %s, existing type: %s, new type: %s", k.Name, old.Type, k.Type)
			}
		}
	}
	ix := &indexMeta{Name: w.IndexName, Hash: h, Range: r, Online: true}
	if ix.Projection, ix.NonKey, err = indexProjection(w.Projection); err != nil {
		return nil, err
	}
	if err := checkIndexThroughput(w.IndexName, w.ProvisionedThroughput, mode); err != nil {
		return nil, err
	}
	if w.ProvisionedThroughput != nil {
		ix.RCU, ix.WCU = w.ProvisionedThroughput.ReadCapacityUnits, w.ProvisionedThroughput.WriteCapacityUnits
	}
	return ix, nil
}

func globalCount(t *tableMeta) int {
	n := 0
	for _, ix := range t.Indexes {
		if !ix.Local {
			n++
		}
	}
	return n
}

// usedDefs returns the attribute definitions the table's keys and indexes
// use: a deleted index's attributes are dropped, as DynamoDB does. The
// existing order is kept and new attributes follow.
func usedDefs(t *tableMeta, old []keyDef) []keyDef {
	var out []keyDef
	have := map[string]bool{}
	add := func(k keyDef) {
		if k.Name != "" && !have[k.Name] {
			have[k.Name] = true
			out = append(out, k)
		}
	}
	used := map[string]keyDef{}
	for _, k := range []keyDef{t.Hash, t.Range} {
		used[k.Name] = k
	}
	for _, ix := range t.Indexes {
		used[ix.Hash.Name], used[ix.Range.Name] = ix.Hash, ix.Range
	}
	for _, d := range old {
		if _, ok := used[d.Name]; ok {
			add(d)
		}
	}
	for _, k := range []keyDef{t.Hash, t.Range} {
		add(k)
	}
	for _, ix := range t.Indexes {
		add(ix.Hash)
		add(ix.Range)
	}
	return out
}

// backfill creates ix's bucket and fills it from the table's items. Items whose
// index key attributes are missing, of another type than defined, or empty are
// left out, as DynamoDB's backfill leaves them out.
func backfill(tx *bolt.Tx, t *tableMeta, ix *indexMeta) error {
	name := indexBucket(t.Name, ix.Name)
	if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	ib, err := tx.CreateBucket(name)
	if err != nil {
		return err
	}
	items := tx.Bucket(itemsBucket(t.Name))
	if items == nil {
		return notFound("Requested resource not found")
	}
	var count, size int64
	err = items.ForEach(func(k, v []byte) error {
		item, err := decodeStored(t, k, v)
		if err != nil {
			return err
		}
		ik := indexKey(t, ix, item, k)
		if ik == nil {
			return nil
		}
		data := v
		if len(v) == 0 || v[0] != storedFormat(t) {
			if data, err = encodeStored(t, item); err != nil {
				return err
			}
		}
		itemSize, err := storedSize(data)
		if err != nil {
			return err
		}
		entry, entrySize, err := entryBytes(t, ix, item, data, itemSize)
		if err != nil {
			return err
		}
		// The value must outlive the cursor's page: bolt keeps a reference.
		if err := ib.Put(ik, append([]byte(nil), storedEntry(ix, entry, entrySize, k)...)); err != nil {
			return err
		}
		count++
		size += int64(entrySize)
		return nil
	})
	if err != nil {
		return err
	}
	return addStats(tx, statsKey(t.Name, ix.Name), count, size)
}

func dropIndex(tx *bolt.Tx, table, index string) error {
	if err := tx.DeleteBucket(indexBucket(table, index)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return fmt.Errorf("drop index %s: %w", index, err)
	}
	if err := tx.Bucket(bucketStats).Delete(statsKey(table, index)); err != nil {
		return fmt.Errorf("drop index %s stats: %w", index, err)
	}
	return nil
}
