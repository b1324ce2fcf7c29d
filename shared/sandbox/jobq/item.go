package jobq

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A job's table item is written and read here by hand, field by field, as attributevalue's
// MarshalMap and UnmarshalMap did with the struct's dynamodbav tags (TestJobItemMatchesAttributeValue
// holds them equal). attributevalue brings a reflection codec and the DynamoDB Streams types it
// converts to, whose schemas package every cold start of every function linking it initialises.

// Item is the job's table item, without its key (JobKey).
func (j Job) Item() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"id": str(j.ID), "accountId": str(j.Account), "organizationId": str(j.Org), "status": str(j.Status), "step": str(j.Step),
		"done": num(int64(j.Done)), "total": num(int64(j.Total)), "attempts": num(int64(j.Attempts)), "leaseUntil": num(j.LeaseUntil),
		"deleted": Counts(j.Deleted), "seeded": Counts(j.Seeded),
		"createdAt": num(j.CreatedAt), "updatedAt": num(j.UpdatedAt), "finishedAt": num(j.FinishedAt),
	}
}

// Counts is a per-resource count (a job's deleted or seeded) as an attribute: a map of numbers,
// NULL when nil.
func Counts(m map[string]int) types.AttributeValue {
	if m == nil {
		return &types.AttributeValueMemberNULL{Value: true}
	}
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = num(int64(v))
	}
	return &types.AttributeValueMemberM{Value: out}
}

// JobFromItem reads a job from its table item (other attributes, such as the key, are ignored).
// A missing or NULL attribute leaves its field zero; an attribute of another type is an error.
func JobFromItem(item map[string]types.AttributeValue) (Job, error) {
	r := itemReader{item: item}
	j := Job{ID: r.s("id"), Account: r.s("accountId"), Org: r.s("organizationId"), Status: r.s("status"), Step: r.s("step"),
		Done: int(r.n("done")), Total: int(r.n("total")), Attempts: int(r.n("attempts")), LeaseUntil: r.n("leaseUntil"),
		Deleted: r.counts("deleted"), Seeded: r.counts("seeded"),
		CreatedAt: r.n("createdAt"), UpdatedAt: r.n("updatedAt"), FinishedAt: r.n("finishedAt")}
	if r.err != nil {
		return Job{}, fmt.Errorf("sandbox: job item: %w", r.err)
	}
	return j, nil
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// itemReader reads typed attributes, keeping the first error.
type itemReader struct {
	item map[string]types.AttributeValue
	err  error
}

func (r *itemReader) fail(name string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %w", name, err)
	}
}

func (r *itemReader) s(name string) string {
	switch v := r.item[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return ""
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN: // attributevalue reads a number's text into a string
		return v.Value
	default:
		r.fail(name, fmt.Errorf("%T is not a string", v))
		return ""
	}
}

func (r *itemReader) n(name string) int64 {
	return r.number(name, r.item[name])
}

func (r *itemReader) number(name string, av types.AttributeValue) int64 {
	switch v := av.(type) {
	case nil, *types.AttributeValueMemberNULL:
		return 0
	case *types.AttributeValueMemberN:
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			r.fail(name, err)
		}
		return n
	default:
		r.fail(name, fmt.Errorf("%T is not a number", v))
		return 0
	}
}

func (r *itemReader) counts(name string) map[string]int {
	switch v := r.item[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberM:
		out := make(map[string]int, len(v.Value))
		for k, av := range v.Value {
			out[k] = int(r.number(name+"."+k, av))
		}
		return out
	default:
		r.fail(name, fmt.Errorf("%T is not a map", v))
		return nil
	}
}
