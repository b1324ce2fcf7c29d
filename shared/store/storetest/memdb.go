// Package storetest gives tests a Store on an in-memory table that honours what the store relies
// on: condition and update expressions (the embedded engine's own parser in infra/dynamo/expr),
// all-or-nothing transactions with cancellation reasons, key-ordered queries with pagination.
// It stands in until the embedded engine's dynamotest lands; tests written against it use only
// the SDK's API, so switching is a change of constructor.
package storetest

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
	"github.com/hapihub/hapihub/infra/dynamo/expr"
	"github.com/hapihub/hapihub/shared/store"
)

// New returns a store on a fresh in-memory table.
func New(t testing.TB) *store.Store {
	t.Helper()
	return store.New(NewDB(), "hapihub")
}

// DB is the in-memory table (one table; PK and SK strings, as the store uses).
type DB struct {
	mu    sync.Mutex
	items map[string]map[string]attr.Item // PK -> SK -> item
	// FailTransactions makes TransactWriteItems fail with an internal error (tests of atomicity).
	FailTransactions bool
}

// NewDB returns an empty table.
func NewDB() *DB { return &DB{items: map[string]map[string]attr.Item{}} }

func toAttr(av types.AttributeValue) attr.Value {
	switch x := av.(type) {
	case *types.AttributeValueMemberS:
		return attr.Str(x.Value)
	case *types.AttributeValueMemberN:
		return attr.Num(x.Value)
	case *types.AttributeValueMemberB:
		return attr.Bin(x.Value)
	case *types.AttributeValueMemberBOOL:
		return attr.Boolean(x.Value)
	case *types.AttributeValueMemberNULL:
		return attr.Null()
	case *types.AttributeValueMemberL:
		l := make([]attr.Value, len(x.Value))
		for i, e := range x.Value {
			l[i] = toAttr(e)
		}
		return attr.List(l)
	case *types.AttributeValueMemberM:
		m := make(map[string]attr.Value, len(x.Value))
		for k, e := range x.Value {
			m[k] = toAttr(e)
		}
		return attr.Map(m)
	case *types.AttributeValueMemberSS:
		return attr.StrSet(x.Value...)
	case *types.AttributeValueMemberNS:
		return attr.NumSet(x.Value...)
	}
	return attr.Null()
}

func fromAttr(v attr.Value) types.AttributeValue {
	switch v.Kind {
	case attr.S:
		return &types.AttributeValueMemberS{Value: v.Str}
	case attr.N:
		return &types.AttributeValueMemberN{Value: v.Str}
	case attr.B:
		return &types.AttributeValueMemberB{Value: v.Bin}
	case attr.BOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Bool}
	case attr.L:
		l := make([]types.AttributeValue, len(v.List))
		for i, e := range v.List {
			l[i] = fromAttr(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case attr.M:
		m := make(map[string]types.AttributeValue, len(v.Map))
		for k, e := range v.Map {
			m[k] = fromAttr(e)
		}
		return &types.AttributeValueMemberM{Value: m}
	case attr.SS:
		return &types.AttributeValueMemberSS{Value: v.Strs}
	case attr.NS:
		return &types.AttributeValueMemberNS{Value: v.Strs}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}

func toItem(m map[string]types.AttributeValue) attr.Item {
	if m == nil {
		return nil
	}
	it := make(attr.Item, len(m))
	for k, v := range m {
		it[k] = toAttr(v)
	}
	return it
}

func fromItem(it attr.Item) map[string]types.AttributeValue {
	if it == nil {
		return nil
	}
	m := make(map[string]types.AttributeValue, len(it))
	for k, v := range it {
		m[k] = fromAttr(v)
	}
	return m
}

func values(m map[string]types.AttributeValue) expr.Values {
	out := expr.Values{}
	for k, v := range m {
		out[k] = toAttr(v)
	}
	return out
}

func keyOf(m map[string]types.AttributeValue) (string, string) {
	pk, _ := m["PK"].(*types.AttributeValueMemberS)
	sk, _ := m["SK"].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil {
		return "", ""
	}
	return pk.Value, sk.Value
}

func (d *DB) get(pk, sk string) attr.Item { return d.items[pk][sk] }

func (d *DB) set(pk, sk string, it attr.Item) {
	if it == nil {
		delete(d.items[pk], sk)
		return
	}
	if d.items[pk] == nil {
		d.items[pk] = map[string]attr.Item{}
	}
	d.items[pk][sk] = it
}

var errCCF = errors.New("conditional check failed")

func check(cond *string, names map[string]string, vals map[string]types.AttributeValue, cur attr.Item) error {
	if cond == nil {
		return nil
	}
	c, err := expr.ParseCondition(*cond, names, values(vals), nil)
	if err != nil {
		return err
	}
	ok, err := c.Eval(cur)
	if err != nil {
		return err
	}
	if !ok {
		return errCCF
	}
	return nil
}

func ccf(err error) error {
	if errors.Is(err, errCCF) {
		return &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	return err
}

// GetItem implements store.DB.
func (d *DB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	pk, sk := keyOf(in.Key)
	return &dynamodb.GetItemOutput{Item: fromItem(d.get(pk, sk))}, nil
}

// PutItem implements store.DB.
func (d *DB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	pk, sk := keyOf(in.Item)
	if err := check(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, d.get(pk, sk)); err != nil {
		return nil, ccf(err)
	}
	d.set(pk, sk, toItem(in.Item))
	return &dynamodb.PutItemOutput{}, nil
}

// UpdateItem implements store.DB.
func (d *DB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	pk, sk := keyOf(in.Key)
	cur := d.get(pk, sk)
	if err := check(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, cur); err != nil {
		return nil, ccf(err)
	}
	up, err := expr.ParseUpdate(aws.ToString(in.UpdateExpression), in.ExpressionAttributeNames, values(in.ExpressionAttributeValues), nil)
	if err != nil {
		return nil, err
	}
	base := cur
	if base == nil {
		base = toItem(in.Key)
	}
	next, err := up.Apply(base)
	if err != nil {
		return nil, err
	}
	d.set(pk, sk, next)
	return &dynamodb.UpdateItemOutput{Attributes: fromItem(next)}, nil
}

// DeleteItem implements store.DB.
func (d *DB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	pk, sk := keyOf(in.Key)
	cur := d.get(pk, sk)
	if err := check(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, cur); err != nil {
		return nil, ccf(err)
	}
	d.set(pk, sk, nil)
	out := &dynamodb.DeleteItemOutput{}
	if in.ReturnValues == types.ReturnValueAllOld {
		out.Attributes = fromItem(cur)
	}
	return out, nil
}

// Query implements store.DB on the base table (PK equality and an optional SK condition).
func (d *DB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if in.IndexName != nil {
		return nil, errors.New("storetest: secondary indexes are not modelled")
	}
	kc, err := expr.ParseKeyCondition(aws.ToString(in.KeyConditionExpression), in.ExpressionAttributeNames, values(in.ExpressionAttributeValues), nil)
	if err != nil {
		return nil, err
	}
	if err := kc.ForSchema("PK", "SK"); err != nil {
		return nil, err
	}
	var filter *expr.Condition
	if in.FilterExpression != nil {
		if filter, err = expr.ParseFilter(*in.FilterExpression, in.ExpressionAttributeNames, values(in.ExpressionAttributeValues), nil); err != nil {
			return nil, err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	part := d.items[kc.PartitionValue.Str]
	sks := make([]string, 0, len(part))
	for sk := range part {
		if kc.Sort == nil || kc.Sort.Match(attr.Str(sk)) {
			sks = append(sks, sk)
		}
	}
	sort.Strings(sks)
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	if !forward {
		for i, j := 0, len(sks)-1; i < j; i, j = i+1, j-1 {
			sks[i], sks[j] = sks[j], sks[i]
		}
	}
	if in.ExclusiveStartKey != nil {
		_, after := keyOf(in.ExclusiveStartKey)
		i := sort.Search(len(sks), func(i int) bool {
			if forward {
				return sks[i] > after
			}
			return sks[i] < after
		})
		sks = sks[i:]
	}
	out := &dynamodb.QueryOutput{}
	last := ""
	for _, sk := range sks {
		if in.Limit != nil && out.ScannedCount >= *in.Limit {
			out.LastEvaluatedKey = map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: kc.PartitionValue.Str},
				"SK": &types.AttributeValueMemberS{Value: last}}
			break
		}
		last = sk
		out.ScannedCount++
		it := part[sk]
		if filter != nil {
			if ok, _ := filter.Eval(it); !ok {
				continue
			}
		}
		out.Items = append(out.Items, fromItem(it))
		out.Count++
	}
	return out, nil
}

// BatchWriteItem implements store.DB.
func (d *DB) BatchWriteItem(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, reqs := range in.RequestItems {
		for _, r := range reqs {
			if r.PutRequest != nil {
				pk, sk := keyOf(r.PutRequest.Item)
				d.set(pk, sk, toItem(r.PutRequest.Item))
			}
			if r.DeleteRequest != nil {
				pk, sk := keyOf(r.DeleteRequest.Key)
				d.set(pk, sk, nil)
			}
		}
	}
	return &dynamodb.BatchWriteItemOutput{}, nil
}

// BatchGetItem implements store.DB.
func (d *DB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	for table, ka := range in.RequestItems {
		for _, k := range ka.Keys {
			pk, sk := keyOf(k)
			if it := d.get(pk, sk); it != nil {
				out.Responses[table] = append(out.Responses[table], fromItem(it))
			}
		}
	}
	return out, nil
}

// TransactWriteItems implements store.DB: every condition is checked first, then all writes apply.
func (d *DB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.FailTransactions {
		return nil, &types.InternalServerError{Message: aws.String("injected failure")}
	}
	reasons := make([]types.CancellationReason, len(in.TransactItems))
	failed := false
	for i, ti := range in.TransactItems {
		var err error
		switch {
		case ti.Put != nil:
			pk, sk := keyOf(ti.Put.Item)
			err = check(ti.Put.ConditionExpression, ti.Put.ExpressionAttributeNames, ti.Put.ExpressionAttributeValues, d.get(pk, sk))
		case ti.Delete != nil:
			pk, sk := keyOf(ti.Delete.Key)
			err = check(ti.Delete.ConditionExpression, ti.Delete.ExpressionAttributeNames, ti.Delete.ExpressionAttributeValues, d.get(pk, sk))
		case ti.ConditionCheck != nil:
			pk, sk := keyOf(ti.ConditionCheck.Key)
			err = check(ti.ConditionCheck.ConditionExpression, ti.ConditionCheck.ExpressionAttributeNames, ti.ConditionCheck.ExpressionAttributeValues, d.get(pk, sk))
		case ti.Update != nil:
			pk, sk := keyOf(ti.Update.Key)
			err = check(ti.Update.ConditionExpression, ti.Update.ExpressionAttributeNames, ti.Update.ExpressionAttributeValues, d.get(pk, sk))
		}
		reasons[i].Code = aws.String("None")
		if errors.Is(err, errCCF) {
			reasons[i].Code, failed = aws.String("ConditionalCheckFailed"), true
		} else if err != nil {
			return nil, err
		}
	}
	if failed {
		return nil, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
	}
	for _, ti := range in.TransactItems {
		switch {
		case ti.Put != nil:
			pk, sk := keyOf(ti.Put.Item)
			d.set(pk, sk, toItem(ti.Put.Item))
		case ti.Delete != nil:
			pk, sk := keyOf(ti.Delete.Key)
			d.set(pk, sk, nil)
		case ti.Update != nil:
			pk, sk := keyOf(ti.Update.Key)
			up, err := expr.ParseUpdate(aws.ToString(ti.Update.UpdateExpression), ti.Update.ExpressionAttributeNames, values(ti.Update.ExpressionAttributeValues), nil)
			if err != nil {
				return nil, err
			}
			base := d.get(pk, sk)
			if base == nil {
				base = toItem(ti.Update.Key)
			}
			next, err := up.Apply(base)
			if err != nil {
				return nil, err
			}
			d.set(pk, sk, next)
		}
	}
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

// Count returns how many items a partition holds (test assertions).
func (d *DB) Count(pk string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.items[pk])
}

// Clock is a settable clock for Store.Now and the webhook dispatcher.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
