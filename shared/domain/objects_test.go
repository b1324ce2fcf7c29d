package domain

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/hapihub/hapihub/shared/apperr"
)

func TestMerge(t *testing.T) {
	cur := Doc{"id": "pat_1", "object": "patient", "createdAt": int64(1), "name": "Ada", "phone": "1",
		"metadata": map[string]any{"a": "1", "b": "2"}}
	for _, tc := range []struct {
		name   string
		fields Doc
		patch  bool
		want   Doc
	}{
		{"update replaces writable fields, keeps system fields", Doc{"name": "Bo"}, false,
			Doc{"id": "pat_1", "object": "patient", "organizationId": nil, "livemode": nil, "createdAt": int64(1), "updatedAt": nil, "name": "Bo"}},
		{"patch sets, unsets null, merges metadata by key", Doc{"name": "Bo", "phone": nil, "metadata": map[string]any{"a": nil, "c": "3"}}, true,
			Doc{"id": "pat_1", "object": "patient", "createdAt": int64(1), "name": "Bo", "metadata": map[string]any{"b": "2", "c": "3"}}},
	} {
		if got := Merge(cur, tc.fields, tc.patch); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if cur["name"] != "Ada" || len(cur["metadata"].(map[string]any)) != 2 {
		t.Errorf("Merge changed the current object: %v", cur)
	}
}

// The store takes extra events up front: a write whose events differ from the guess is written
// again with the events the object as stored calls for, and one whose events keep changing is a 429.
func TestObjectWriteUpdateRetriesOnChangedEvents(t *testing.T) {
	stored := Doc{"id": "appt_1", "status": "booked"}
	var sent [][]string
	update := func(mutate Mutate, m Meta) (Doc, int64, error) {
		sent = append(sent, m.ExtraEvents)
		next, err := mutate(stored)
		return next, 2, err
	}
	events := func(prev, next Doc) []string {
		if next["status"] == "cancelled" && prev["status"] != "cancelled" {
			return []string{"appointment.cancelled"}
		}
		return nil
	}
	w := ObjectWrite{Object: "appointment", Fields: Doc{"status": "cancelled"}, Patch: true, Events: events}
	doc, ver, err := w.Update(context.Background(), Tenant{}, Meta{RequestID: "req_1"}, update)
	if err != nil || ver != 2 || doc["status"] != "cancelled" {
		t.Fatalf("Update = %v, %d, %v", doc, ver, err)
	}
	if !reflect.DeepEqual(sent, [][]string{nil, {"appointment.cancelled"}}) {
		t.Errorf("extra events sent = %v, want none then appointment.cancelled", sent)
	}

	flip := 0
	w.Events = func(prev, next Doc) []string { flip++; return []string{string(rune('a' + flip))} }
	_, _, err = w.Update(context.Background(), Tenant{}, Meta{}, update)
	if e := apperr.From(err); e.Kind != apperr.RateLimited || e.Code != "lock_timeout" {
		t.Errorf("events that keep changing: err = %v, want a lock_timeout 429", err)
	}

	rulesErr := errors.New("bad field")
	w.Events, w.Rules = nil, func(ctx context.Context, t Tenant, prev, next Doc) error { return rulesErr }
	if _, _, err = w.Update(context.Background(), Tenant{}, Meta{}, update); !errors.Is(err, rulesErr) {
		t.Errorf("rules error = %v, want %v", err, rulesErr)
	}
}
