package domain

import (
	"context"
	"errors"
	"slices"

	"github.com/hapihub/hapihub/shared/apperr"
)

// Rules are a resource's domain rules beyond its schema, run before every write. prev is nil on
// create. They may adjust next (computed fields) and return INVALID_PARAMETERS naming a field.
type Rules func(ctx context.Context, t Tenant, prev, next Doc) error

// Events names the extra events of a change besides the standard created/updated one
// (appointment.cancelled, invoice.paid); prev is nil on create.
type Events func(prev, next Doc) []string

// systemFields are kept from the current object by a full update (the store restores them on
// every write too).
var systemFields = []string{"id", "object", "organizationId", "livemode", "createdAt", "updatedAt"}

// Merge applies a body to the current object. An update (patch false) replaces every writable
// field; a patch sets the given fields, unsets those given as null, and merges metadata key by key
// (null unsets a key).
func Merge(cur, fields Doc, patch bool) Doc {
	next := Doc{}
	if patch {
		for k, v := range cur {
			next[k] = v
		}
	} else {
		for _, k := range systemFields {
			next[k] = cur[k]
		}
	}
	for k, v := range fields {
		if v == nil {
			delete(next, k)
			continue
		}
		if k == "metadata" && patch {
			next[k] = mergeMetadata(cur["metadata"], v.(map[string]any))
			continue
		}
		next[k] = v
	}
	return next
}

// mergeMetadata sets the given keys over the current metadata; a null value unsets its key.
func mergeMetadata(cur any, given map[string]any) map[string]any {
	m := map[string]any{}
	if old, ok := cur.(map[string]any); ok {
		for mk, mv := range old {
			m[mk] = mv
		}
	}
	for mk, mv := range given {
		if mv == nil {
			delete(m, mk)
		} else {
			m[mk] = mv
		}
	}
	return m
}

// ObjectWrite is an update or patch of one object: the decoded body, and the resource's rules
// and extra events, which depend on the object as stored.
type ObjectWrite struct {
	Object string // the object's name, for errors ("patient")
	Fields Doc
	Patch  bool
	Rules  Rules  // may be nil
	Events Events // may be nil
}

// errEventsChanged: the object changed between attempts so that its extra events differ.
var errEventsChanged = errors.New("domain: extra events changed")

// maxEventAttempts bounds the writes of an object whose extra events keep changing under it.
const maxEventAttempts = 5

// Update writes w with update, a store's conditional update of the object (it calls mutate with
// the current object, and retries on its own races). The store takes the extra events up front
// while only mutate sees the object they depend on: Update guesses none, and when mutate finds
// others, writes again with those. An object that keeps changing them is a 429 (lock_timeout).
func (w ObjectWrite) Update(ctx context.Context, t Tenant, meta Meta, update func(mutate Mutate, meta Meta) (Doc, int64, error)) (Doc, int64, error) {
	var want []string
	for range maxEventAttempts {
		m := meta
		m.ExtraEvents = want
		var got []string
		doc, ver, err := update(func(cur Doc) (Doc, error) {
			next := Merge(cur, w.Fields, w.Patch)
			if w.Rules != nil {
				if err := w.Rules(ctx, t, cur, next); err != nil {
					return nil, err
				}
			}
			if w.Events != nil {
				if got = w.Events(cur, next); !slices.Equal(got, want) {
					return nil, errEventsChanged
				}
			}
			return next, nil
		}, m)
		if errors.Is(err, errEventsChanged) {
			want = got
			continue
		}
		return doc, ver, err
	}
	return nil, 0, apperr.New(apperr.RateLimited, "This %s keeps changing under this request; retry.", w.Object).WithCode("lock_timeout").WithHeader("Retry-After", "1")
}
