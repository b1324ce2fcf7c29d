package jobq

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hand-written item codec writes and reads what the SDK's attributevalue package (the
// reference, which the jobs used before) does with Job's dynamodbav tags, so items written by
// either read the same: https://pkg.go.dev/github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue
func TestJobItemMatchesAttributeValue(t *testing.T) {
	for name, j := range map[string]Job{
		"queued": {ID: "reset_1", Account: "acct_1", Org: "org_1", Status: JobQueued, Step: "queued", Total: 10,
			Deleted: map[string]int{}, Seeded: map[string]int{}, CreatedAt: 1765000000000, UpdatedAt: 1765000000001},
		"done": {ID: "reset_2", Account: "acct_2", Org: "org_2", Status: JobSucceeded, Step: "done", Done: 10, Total: 10, Attempts: 2,
			LeaseUntil: 0, Deleted: map[string]int{"patients": 12, "invoices": 0}, Seeded: map[string]int{"patients": 40, "messages": -1},
			CreatedAt: 1, UpdatedAt: 2, FinishedAt: 3},
		"zero":     {},
		"nil maps": {ID: "reset_3", Status: JobRunning, LeaseUntil: 1 << 50},
	} {
		want, err := attributevalue.MarshalMap(j)
		require.NoError(t, err)
		assert.Equal(t, want, j.Item(), "%s: written as attributevalue writes it", name)

		item := j.Item()
		for k, v := range JobKey("org_x") {
			item[k] = v // the key beside the fields, as stored
		}
		var ref Job
		require.NoError(t, attributevalue.UnmarshalMap(item, &ref))
		got, err := JobFromItem(item)
		require.NoError(t, err)
		assert.Equal(t, ref, got, "%s: read as attributevalue reads it", name)
		assert.Equal(t, j, got, "%s: round trip", name)
	}
	dv, err := attributevalue.Marshal(map[string]int{"patients": 3})
	require.NoError(t, err)
	assert.Equal(t, dv, Counts(map[string]int{"patients": 3}))
	nv, err := attributevalue.Marshal(map[string]int(nil))
	require.NoError(t, err)
	assert.Equal(t, nv, Counts(nil))
}

// An attribute of the wrong type is an error, as attributevalue's is; missing and NULL ones read
// as zero.
func TestJobFromItemRefusesWrongTypes(t *testing.T) {
	for name, item := range map[string]map[string]types.AttributeValue{
		"string as number": {"done": &types.AttributeValueMemberS{Value: "3"}},
		"bad number":       {"total": &types.AttributeValueMemberN{Value: "3.5"}},
		"counts not a map": {"seeded": &types.AttributeValueMemberL{}},
		"count not a number": {"deleted": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"patients": &types.AttributeValueMemberS{Value: "x"}}}},
	} {
		var ref Job
		assert.Error(t, attributevalue.UnmarshalMap(item, &ref), "%s: the reference refuses it too", name)
		_, err := JobFromItem(item)
		assert.Error(t, err, name)
	}
	item := map[string]types.AttributeValue{"id": &types.AttributeValueMemberNULL{Value: true}, "step": &types.AttributeValueMemberS{Value: "x"},
		"status": &types.AttributeValueMemberN{Value: "3"}}
	var ref Job
	require.NoError(t, attributevalue.UnmarshalMap(item, &ref))
	j, err := JobFromItem(item)
	require.NoError(t, err)
	assert.Equal(t, ref, j)
	assert.Equal(t, Job{Step: "x", Status: "3"}, j, "NULL reads as zero; a number's text reads into a string")
}
