package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// MaxBatch is the most objects one multi-create takes (docs/resources.md, "Creating many").
const MaxBatch = 100

// batchWorkers is how many of a batch's objects are written at once: each is its own
// transaction (object, index entries, event), so a batch's writes run side by side.
const batchWorkers = 16

// isArray reports whether a JSON body is an array (Feathers' multi-create).
func isArray(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '['
}

// createMany is Feathers' multi-create: POST /<resource> with an array of objects creates them
// all, each validated as a single create is and each with its own event, and answers 201 with
// the created objects in the order given. Every object is checked before anything is written,
// so a batch with one bad object is refused whole (400 naming "[i].field"). One Idempotency-Key
// covers the batch. A batch is not one transaction (DynamoDB takes 100 items per transaction, an
// object alone needs up to ~50): if a write fails after validation, the objects already written
// stay, the answer is an error, and a retry under the same key does not write them again.
func (h *Resource) createMany(r *Request) (Response, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(r.Body, &raw); err != nil {
		return Response{}, apperr.Field("body", "must be a JSON object or an array of up to %d objects", MaxBatch)
	}
	if len(raw) == 0 || len(raw) > MaxBatch {
		return Response{}, apperr.Field("body", "must hold 1 to %d objects, not %d", MaxBatch, len(raw))
	}
	fields := make([]domain.Doc, len(raw))
	var bad []apperr.FieldError
	for i, b := range raw {
		doc, err := h.decodeCreate(r, b)
		if err != nil {
			e := apperr.From(err)
			if e.Kind != apperr.InvalidParameters {
				return Response{}, err
			}
			if len(e.Fields) == 0 {
				bad = append(bad, apperr.FieldError{Field: fmt.Sprintf("[%d]", i), Message: e.Message})
			}
			for _, f := range e.Fields {
				bad = append(bad, apperr.FieldError{Field: fmt.Sprintf("[%d].%s", i, f.Field), Message: f.Message})
			}
			continue
		}
		fields[i] = doc
	}
	if len(bad) > 0 {
		return Response{}, apperr.Invalid(bad...)
	}
	base := meta(r)
	ctx := r.Ctx
	if dp, ok := h.Store.(DeferredPublisher); ok {
		// The batch's events are announced together once its writes are done: a round trip per
		// ten events, not two per event.
		var publish func(context.Context)
		ctx, publish = dp.DeferPublish(r.Ctx)
		defer publish(r.Ctx)
	}
	out := make([]any, len(fields))
	errs := make([]error, len(fields))
	// The first object carries the idempotency mark, before the others start: the key is marked
	// committed with the first change, so a retry under it never runs the batch again (it gets
	// recoverCommitted's answer), and the rest need no condition on the reservation (one on the
	// same item in every transaction would only make them conflict with each other).
	write := func(i int, m domain.Meta) {
		if h.Events != nil {
			m.ExtraEvents = h.Events(nil, fields[i])
		}
		var doc domain.Doc
		var err error
		if uc, ok := h.Store.(UniqueCreator); ok {
			// An externalId already present answers that object in its place, as a single create does.
			doc, _, _, err = uc.CreateUnique(ctx, r.Tenant, h.Schema, fields[i], m)
		} else {
			doc, err = h.Store.CreateObject(ctx, r.Tenant, h.Schema, fields[i], m)
		}
		out[i], errs[i] = doc, IdempotencyConflict(err, m)
	}
	write(0, base)
	if errs[0] != nil {
		return Response{}, errs[0]
	}
	rest := base
	rest.Tx.Idempotency = nil
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(batchWorkers, len(fields)-1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				write(i, rest)
			}
		}()
	}
	for i := 1; i < len(fields); i++ {
		if ctx.Err() != nil {
			errs[i] = ctx.Err()
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Response{}, err
		}
	}
	return Response{Status: http.StatusCreated, Body: out}, nil
}

// DeferredPublisher is a store whose committed writes can leave their events' announcements
// to be sent together (core.Store.DeferPublish).
type DeferredPublisher interface {
	DeferPublish(ctx context.Context) (context.Context, func(context.Context))
}

// decodeCreate validates one object of a create and applies the resource's rules.
func (h *Resource) decodeCreate(r *Request, body []byte) (domain.Doc, error) {
	fields, err := h.Schema.DecodeBody(body, schema.OpCreate)
	if err != nil {
		return nil, err
	}
	if h.Rules != nil {
		if err := h.Rules(r.Ctx, r.Tenant, nil, fields); err != nil {
			return nil, err
		}
	}
	return fields, nil
}
