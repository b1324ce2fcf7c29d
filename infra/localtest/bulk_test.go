package localtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
)

// Feathers' multi-create through the gateway: an array of 100 valid patients → 201 with the 100
// in order and one patient.created event each; an array with one bad object → 400 naming its
// index and field, nothing written; one Idempotency-Key covers a batch (docs/resources.md).
func TestBulkCreate(t *testing.T) {
	env := localtest.Shared(t)
	last := "Bulk" + uuid.NewString()[:8]
	batch := make([]map[string]any, 100)
	for i := range batch {
		batch[i] = map[string]any{"firstName": "P" + strconv.Itoa(i), "lastName": last, "status": []string{"active", "inactive"}[i%2]}
	}
	since := time.Now().Add(-time.Second).UnixMilli()
	r := env.Do(t, "POST", "/patients", env.TestKey, batch)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var created []map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &created))
	require.Len(t, created, 100)
	ids := map[string]bool{}
	for i, p := range created {
		assert.Equal(t, "P"+strconv.Itoa(i), p["firstName"], "answered in the order given")
		assert.Equal(t, "patient", p["object"])
		ids[p["id"].(string)] = true
	}
	require.Len(t, ids, 100)
	assert.Equal(t, float64(100), countByLastName(t, env, env.TestKey, last))
	inactive := env.Do(t, "GET", "/patients?$limit=0&status=inactive&lastName="+last, env.TestKey, nil)
	require.Equal(t, http.StatusOK, inactive.Status, "%s", inactive.Body)
	assert.Equal(t, float64(50), inactive.JSON(t)["total"], "the indexes hold them")

	evs := env.Do(t, "GET", fmt.Sprintf("/events?type=patient.created&createdAt[$gte]=%d&$limit=100", since), env.TestKey, nil)
	require.Equal(t, http.StatusOK, evs.Status, "%s", evs.Body)
	seen := map[string]bool{}
	for _, e := range evs.JSON(t)["data"].([]any) {
		obj := e.(map[string]any)["data"].(map[string]any)["object"].(map[string]any)
		if ids[obj["id"].(string)] {
			seen[obj["id"].(string)] = true
		}
	}
	assert.Len(t, seen, 100, "one patient.created event per object")

	// One bad object refuses the batch: its index and field are named, nothing is written.
	bad := append([]map[string]any{}, batch[:5]...)
	bad = append(bad, map[string]any{"firstName": "No"}, map[string]any{"firstName": "X", "lastName": last, "email": "not-an-email"})
	last2 := "Refused" + uuid.NewString()[:8]
	for i := range 5 {
		bad[i] = map[string]any{"firstName": "R", "lastName": last2}
	}
	r = env.Do(t, "POST", "/patients", env.TestKey, bad)
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	body := r.JSON(t)
	assert.Equal(t, "INVALID_PARAMETERS", body["name"])
	fields := map[string]bool{}
	for _, f := range body["errors"].([]any) {
		fields[f.(map[string]any)["field"].(string)] = true
	}
	assert.True(t, fields["[5].lastName"], "%s", r.Body)
	assert.True(t, fields["[6].email"], "%s", r.Body)
	assert.Equal(t, float64(0), countByLastName(t, env, env.TestKey, last2), "nothing of a refused batch is written")

	// Limits of a batch.
	r = env.Do(t, "POST", "/patients", env.TestKey, []any{})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	r = env.Do(t, "POST", "/patients", env.TestKey, make([]map[string]any, 101))
	assert.Equal(t, http.StatusBadRequest, r.Status)

	// One Idempotency-Key covers a batch: the retry replays the answer, nothing is created twice.
	last3 := "Idem" + uuid.NewString()[:8]
	small := []map[string]any{{"firstName": "A", "lastName": last3}, {"firstName": "B", "lastName": last3}, {"firstName": "C", "lastName": last3}}
	key := uuid.NewString()
	first := env.Do(t, "POST", "/patients", env.TestKey, small, "Idempotency-Key", key)
	require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
	again := env.Do(t, "POST", "/patients", env.TestKey, small, "Idempotency-Key", key)
	require.Equal(t, http.StatusCreated, again.Status, "%s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.JSONEq(t, string(first.Body), string(again.Body))
	assert.Equal(t, float64(3), countByLastName(t, env, env.TestKey, last3))
}
