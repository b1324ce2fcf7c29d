package core

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// References between clinical objects (an appointment's patientId, ...) are kept race-free in the
// writes' own transactions (docs/resources.md, "Deleting referenced objects"):
//
//   - each referenced object has a count item (refsPK(target), SK = its id) with the total "n" and
//     one count per referring field ("c#appointments.patientId");
//   - each reference has a record item (SK = target id + "#" + referrer id) naming its field, so a
//     refused delete can name the referrers;
//   - a write adding a reference checks, in its transaction, that the target still exists;
//   - a delete of a referenced object is conditional on its count being zero (and drops it).
//
// DynamoDB transactions are serializable (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-isolation):
// of a create naming a patient and that patient's delete, either the create commits first (the
// count is 1, the delete is refused) or the delete does (the check fails, the create is refused).

type RefChange = domain.RefChange

// refsPK is the partition of a tenant's reference items targeting res.
func refsPK(t domain.Tenant, target string) string { return tenantPrefix(t) + "#REFS#" + target }

func refCountAttr(source, field string) string { return "c#" + source + "." + field }

func refFields(res *schema.Resource) []*schema.Field { return schema.RefFields(res) }

// isReferenced reports whether any resource's field refers to res.
func isReferenced(res *schema.Resource) bool { return len(schema.ReferencedBy(res)) > 0 }

// refChanges lists the references a change of res's object adds and removes (prev nil on create,
// next nil on delete); an unchanged reference is neither.
func refChanges(res *schema.Resource, prev, next domain.Doc) []RefChange {
	var out []RefChange
	id := docString(next["id"])
	if id == "" {
		id = docString(prev["id"])
	}
	for _, f := range refFields(res) {
		was, now := docString(prev[f.Name]), docString(next[f.Name])
		if was == now {
			continue
		}
		if was != "" {
			out = append(out, RefChange{Target: f.Ref, TargetID: was, Referrer: id, Field: f.Name, Source: res.Name})
		}
		if now != "" {
			out = append(out, RefChange{Target: f.Ref, TargetID: now, Referrer: id, Field: f.Name, Source: res.Name, Add: true})
		}
	}
	return out
}

// refItems are a reference change's transaction items (RefChange.Items of them, in that order).
func (s *Store) refItems(t domain.Tenant, r RefChange) []types.TransactWriteItem {
	pk := refsPK(t, r.Target)
	count := map[string]types.AttributeValue{"PK": sv(pk), "SK": sv(r.TargetID)}
	record := map[string]types.AttributeValue{"PK": sv(pk), "SK": sv(r.TargetID + "#" + r.Referrer)}
	delta := int64(-1)
	if r.Add {
		delta = 1
	}
	upd := types.TransactWriteItem{Update: &types.Update{TableName: &s.Table, Key: count,
		UpdateExpression:          aws.String("ADD #n :d, #c :d"),
		ExpressionAttributeNames:  map[string]string{"#n": "n", "#c": refCountAttr(r.Source, r.Field)},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": n(delta)}}}
	if !r.Add {
		return []types.TransactWriteItem{upd, {Delete: &types.Delete{TableName: &s.Table, Key: record}}}
	}
	check := types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.Table,
		Key:                 map[string]types.AttributeValue{"PK": sv(partition(t, r.Target)), "SK": sv(r.TargetID)},
		ConditionExpression: aws.String("attribute_exists(PK)")}}
	rec := map[string]types.AttributeValue{"PK": record["PK"], "SK": record["SK"], "field": sv(r.Source + "." + r.Field), "referrer": sv(r.Referrer)}
	return []types.TransactWriteItem{check, upd, {Put: &types.Put{TableName: &s.Table, Item: rec}}}
}

// inUseGuard deletes a referenced object's count item, conditionally on the count being zero.
func (s *Store) inUseGuard(t domain.Tenant, g domain.InUseGuard) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": sv(refsPK(t, g.Resource)), "SK": sv(g.ID)},
		ConditionExpression:       aws.String("attribute_not_exists(#n) OR #n <= :z"),
		ExpressionAttributeNames:  map[string]string{"#n": "n"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":z": n(0)}}}
}

// withRefs sets meta's reference items for a change of res's object. A removed reference whose
// record is missing was made before references were counted (an older version's data): it is
// left alone rather than counted below zero. Reading the record first is safe: only writes of the
// referring object make or drop it, and those are conditional on its version, as this one is.
func (s *Store) withRefs(ctx context.Context, t domain.Tenant, res *schema.Resource, prev, next domain.Doc, meta domain.Meta) (domain.Meta, error) {
	meta.Tx.Refs = nil
	for _, r := range refChanges(res, prev, next) {
		if !r.Add {
			out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("PK"),
				Key: map[string]types.AttributeValue{"PK": sv(refsPK(t, r.Target)), "SK": sv(r.TargetID + "#" + r.Referrer)}})
			if err != nil {
				return meta, fmt.Errorf("store: read reference of %s: %w", r.Referrer, err)
			}
			if out.Item == nil {
				continue
			}
		}
		meta.Tx.Refs = append(meta.Tx.Refs, r)
	}
	meta.Tx.InUse = nil
	if next == nil && isReferenced(res) {
		meta.Tx.InUse = &domain.InUseGuard{Resource: res.Name, ID: docString(prev["id"])}
	}
	return meta, nil
}

// refError turns the failure of a reference condition into the client's error: a target deleted
// since the request read it is the field's 400, a referenced object's delete is 409 naming the
// referrers. Other errors pass unchanged.
func (s *Store) refError(ctx context.Context, t domain.Tenant, res *schema.Resource, id string, meta domain.Meta, err error) error {
	var ce *domain.ConditionError
	if !errors.As(err, &ce) {
		return err
	}
	ref, inUse, ok := meta.Tx.RefAt(ce.Extra)
	switch {
	case !ok:
		return err
	case inUse:
		return s.inUseError(ctx, t, res, id)
	}
	target, _ := schema.Lookup(ref.Target)
	return apperr.Field(ref.Field, "no %s %s exists in this organization", target.Object, ref.TargetID)
}

// refsShown is how many referrers a refused delete names.
const refsShown = 5

// inUseError is the 409 of a delete refused because objects refer to res's object id: the count
// per referring field and up to refsShown ids each.
func (s *Store) inUseError(ctx context.Context, t domain.Tenant, res *schema.Resource, id string) error {
	pk := refsPK(t, res.Name)
	cnt, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": sv(pk), "SK": sv(id)}})
	if err != nil {
		return fmt.Errorf("store: read references of %s: %w", id, err)
	}
	ids := map[string][]string{}
	var start map[string]types.AttributeValue
	for pages := 0; pages < 4; pages++ {
		out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(true), ExclusiveStartKey: start,
			KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(pk), ":p": sv(id + "#")}, Limit: aws.Int32(100)})
		if err != nil {
			return fmt.Errorf("store: list references of %s: %w", id, err)
		}
		for _, it := range out.Items {
			f := getS(it, "field")
			if len(ids[f]) < refsShown {
				ids[f] = append(ids[f], getS(it, "referrer"))
			}
		}
		if start = out.LastEvaluatedKey; start == nil {
			break
		}
	}
	var fields []apperr.FieldError
	total := getN(cnt.Item, "n")
	for attr := range cnt.Item {
		src, ok := strings.CutPrefix(attr, "c#")
		c := getN(cnt.Item, attr)
		if !ok || c <= 0 {
			continue
		}
		resName, _, _ := strings.Cut(src, ".")
		noun := resName
		if c == 1 {
			if r, ok := schema.Lookup(resName); ok {
				noun = r.Object
			}
		}
		fields = append(fields, apperr.FieldError{Field: src, Message: fmt.Sprintf("%d %s refer to it: %s", c, noun, strings.Join(ids[src], ", "))})
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
	e := apperr.New(apperr.Conflict, "The %s %s is referenced by %d object(s); delete them or change their reference first.", res.Object, id, total).WithCode("resource_in_use")
	e.Fields = fields
	return e
}

// SeedReferences writes the reference items of seeded objects (sandbox data has no events and
// no transactions): the counts, summed over all of docs, and one record per reference.
func (s *Store) SeedReferences(ctx context.Context, t domain.Tenant, docs map[string][]domain.Doc) error {
	type key struct{ target, id string }
	counts := map[key]map[string]int64{}
	var reqs []types.WriteRequest
	for name, ds := range docs {
		res, ok := schema.Lookup(name)
		if !ok {
			return fmt.Errorf("store: seed references: unknown resource %s", name)
		}
		for _, d := range ds {
			for _, r := range refChanges(res, nil, d) {
				k := key{r.Target, r.TargetID}
				if counts[k] == nil {
					counts[k] = map[string]int64{}
				}
				counts[k]["n"]++
				counts[k][refCountAttr(r.Source, r.Field)]++
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
					"PK": sv(refsPK(t, r.Target)), "SK": sv(r.TargetID + "#" + r.Referrer), "field": sv(r.Source + "." + r.Field), "referrer": sv(r.Referrer)}}})
			}
		}
	}
	for k, c := range counts {
		item := map[string]types.AttributeValue{"PK": sv(refsPK(t, k.target)), "SK": sv(k.id)}
		for a, v := range c {
			item[a] = n(v)
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	return s.batchWrite(ctx, reqs, "seed references")
}

// PurgeReferences deletes every reference item of the tenant (a sandbox reset, after purging the
// objects themselves).
func (s *Store) PurgeReferences(ctx context.Context, t domain.Tenant) error {
	for _, name := range schema.ClinicalResources {
		res, _ := schema.Lookup(name)
		if !isReferenced(res) {
			continue
		}
		var start map[string]types.AttributeValue
		for {
			out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, ExclusiveStartKey: start,
				KeyConditionExpression:    aws.String("PK = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(refsPK(t, name))},
				ProjectionExpression:      aws.String("PK, SK")})
			if err != nil {
				return fmt.Errorf("store: purge references: %w", err)
			}
			reqs := make([]types.WriteRequest, 0, len(out.Items))
			for _, it := range out.Items {
				reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"PK": it["PK"], "SK": it["SK"]}}})
			}
			if err := s.batchWrite(ctx, reqs, "purge references"); err != nil {
				return err
			}
			if start = out.LastEvaluatedKey; start == nil {
				return nil
			}
		}
	}
	return nil
}
