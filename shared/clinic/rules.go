// Package clinic holds the domain rules of the clinical resources that a schema cannot say:
// references between objects, appointment status transitions, invoice totals, the extra events
// of a change, organizations' PMS capabilities and the organizations endpoints.
package clinic

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// Objects is what the rules read: referenced objects, in the request's tenant only.
type Objects interface {
	GetObject(ctx context.Context, t domain.Tenant, res *schema.Resource, id string) (domain.Doc, int64, error)
}

// RuleFunc checks a write; prev is nil on create. It may set computed fields on next.
type RuleFunc = func(ctx context.Context, t domain.Tenant, prev, next domain.Doc) error

// AppointmentTransitions lists, per status, the statuses it may change to. fulfilled,
// cancelled and noshow are final. Creating an appointment in any status is allowed (history
// imported from a PMS); only changes are constrained.
var AppointmentTransitions = map[string][]string{
	"proposed":  {"booked", "cancelled", "noshow"},
	"booked":    {"arrived", "cancelled", "noshow"},
	"arrived":   {"fulfilled", "cancelled", "noshow"},
	"fulfilled": nil,
	"cancelled": nil,
	"noshow":    nil,
}

// InvoiceTransitions: draft and open move freely between each other and on to paid or void;
// paid and void are final.
var InvoiceTransitions = map[string][]string{
	"draft": {"open", "paid", "void"},
	"open":  {"draft", "paid", "void"},
	"paid":  nil,
	"void":  nil,
}

// Rules returns the domain rules of a resource (nil when its schema says everything).
func Rules(res *schema.Resource, objs Objects) RuleFunc {
	refs := references(res, objs)
	var own func(prev, next domain.Doc) []apperr.FieldError
	switch res.Name {
	case schema.Appointments.Name:
		own = appointmentRules
	case schema.Invoices.Name:
		own = invoiceRules
	}
	if refs == nil && own == nil {
		return nil
	}
	return func(ctx context.Context, t domain.Tenant, prev, next domain.Doc) error {
		var errs []apperr.FieldError
		if own != nil {
			errs = append(errs, own(prev, next)...)
		}
		if len(errs) == 0 && refs != nil {
			// References cost reads: check them only once the object is otherwise valid.
			rerrs, err := refs(ctx, t, prev, next)
			if err != nil {
				return err
			}
			errs = append(errs, rerrs...)
		}
		if len(errs) > 0 {
			slices.SortStableFunc(errs, func(a, b apperr.FieldError) int { return strings.Compare(a.Field, b.Field) })
			return apperr.Invalid(errs...)
		}
		return nil
	}
}

// references checks that every id field naming another resource exists in the same tenant
// (organization and mode): a missing object and another organization's object look the same.
func references(res *schema.Resource, objs Objects) func(ctx context.Context, t domain.Tenant, prev, next domain.Doc) ([]apperr.FieldError, error) {
	var fields []*schema.Field
	for _, f := range res.Fields {
		if f.Format == schema.FormatID && f.Ref != "" {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return func(ctx context.Context, t domain.Tenant, prev, next domain.Doc) ([]apperr.FieldError, error) {
		var errs []apperr.FieldError
		for _, f := range fields {
			id, ok := next[f.Name].(string)
			if !ok || id == "" || (prev != nil && prev[f.Name] == id) {
				continue // unchanged references were checked when they were set
			}
			target, _ := schema.Lookup(f.Ref)
			if _, _, err := objs.GetObject(ctx, t, target, id); err != nil {
				var ae *apperr.Error
				if errors.As(err, &ae) && ae.Kind == apperr.NotFound {
					errs = append(errs, apperr.FieldError{Field: f.Name, Message: fmt.Sprintf("no %s %s exists in this organization", target.Object, id)})
					continue
				}
				return nil, err
			}
		}
		return errs, nil
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func i64(v any) int64 {
	i, _ := v.(int64)
	return i
}

func fieldErr(field, format string, args ...any) apperr.FieldError {
	return apperr.FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

func transition(table map[string][]string, field, from, to string) []apperr.FieldError {
	if from == to || slices.Contains(table[from], to) {
		return nil
	}
	if len(table[from]) == 0 {
		return []apperr.FieldError{fieldErr(field, "cannot change from %s: it is final", from)}
	}
	return []apperr.FieldError{fieldErr(field, "cannot change from %s to %s (allowed: %s)", from, to, strings.Join(table[from], ", "))}
}

func appointmentRules(prev, next domain.Doc) []apperr.FieldError {
	var errs []apperr.FieldError
	start, end := i64(next["startsAt"]), i64(next["endsAt"])
	if end <= start {
		errs = append(errs, fieldErr("endsAt", "must be after startsAt (%d), got %d", start, end))
	}
	status := str(next["status"])
	if prev != nil {
		errs = append(errs, transition(AppointmentTransitions, "status", str(prev["status"]), status)...)
	}
	if status == "cancelled" && strings.TrimSpace(str(next["cancellationReason"])) == "" {
		errs = append(errs, fieldErr("cancellationReason", "is required when an appointment is cancelled"))
	}
	if status != "cancelled" && str(next["cancellationReason"]) != "" && (prev == nil || str(prev["cancellationReason"]) != str(next["cancellationReason"])) {
		errs = append(errs, fieldErr("cancellationReason", "can only be set on a cancelled appointment"))
	}
	return errs
}

// MaxTotal bounds an invoice's total at 2^53 - 1: JSON numbers are doubles in JavaScript (and in
// every client that decodes into one), so a larger integer would arrive changed, silently.
const MaxTotal = 1<<53 - 1

// invoiceRules computes total and checks amounts and status.
func invoiceRules(prev, next domain.Doc) []apperr.FieldError {
	var errs []apperr.FieldError
	items, _ := next["lineItems"].([]any)
	var total int64
	for i, it := range items {
		li, _ := it.(map[string]any)
		q, u := i64(li["quantity"]), i64(li["unitAmount"])
		if u != 0 && q > (MaxTotal-total)/u {
			errs = append(errs, fieldErr(fmt.Sprintf("lineItems[%d]", i), "makes the total exceed %d, the largest amount JSON clients read exactly", int64(MaxTotal)))
			break
		}
		total += q * u
	}
	next["total"] = total
	paid := i64(next["amountPaid"])
	status := str(next["status"])
	if prev != nil {
		from := str(prev["status"])
		errs = append(errs, transition(InvoiceTransitions, "status", from, status)...)
		if from == "paid" || from == "void" {
			for _, f := range []string{"currency", "lineItems", "amountPaid"} {
				if fmt.Sprint(prev[f]) != fmt.Sprint(next[f]) {
					errs = append(errs, fieldErr(f, "cannot change on a %s invoice", from))
				}
			}
		}
	}
	if status == "paid" && paid == 0 && (prev == nil || str(prev["status"]) != "paid") {
		// Marking an invoice paid without an amount records it as paid in full.
		paid = total
		next["amountPaid"] = paid
	}
	if paid > total {
		errs = append(errs, fieldErr("amountPaid", "must be at most total (%d), got %d", total, paid))
	}
	if status == "paid" && paid != total {
		// A partly paid invoice is not paid in full by default: the client says so with the amount.
		errs = append(errs, fieldErr("amountPaid", "must equal total (%d) on a paid invoice, got %d; to mark it paid in full, send amountPaid %d with the status", total, paid, total))
	}
	return errs
}

// Events returns the extra events of a resource's changes: appointment.cancelled when an
// appointment becomes cancelled, invoice.paid when an invoice becomes paid (also on create).
func Events(res *schema.Resource) func(prev, next domain.Doc) []string {
	became := func(field, value, event string) func(prev, next domain.Doc) []string {
		return func(prev, next domain.Doc) []string {
			if str(next[field]) == value && (prev == nil || str(prev[field]) != value) {
				return []string{event}
			}
			return nil
		}
	}
	switch res.Name {
	case schema.Appointments.Name:
		return became("status", "cancelled", "appointment.cancelled")
	case schema.Invoices.Name:
		return became("status", "paid", "invoice.paid")
	}
	return nil
}
