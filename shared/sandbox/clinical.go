package sandbox

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Anchor is the fixed "now" of the seeded schedule: appointments spread over the six months
// before and after it, and statuses follow it (past ones fulfilled, no-show or cancelled, those
// on the anchor's day arrived, later ones proposed, booked or cancelled). A fixed anchor, not
// the time of seeding, is what makes the same seed give the same data.
var Anchor = time.Date(2025, 7, 7, 12, 0, 0, 0, time.UTC)

// Sizes says how many objects of each resource a fill makes.
type Sizes struct {
	Patients, Practitioners, Appointments, Messages, Invoices int
}

// Default is St. Mungo's size.
var Default = Sizes{Patients: Patients, Practitioners: 12, Appointments: 2000, Messages: 1000, Invoices: 500}

// Data is one organization's seed data, connected: every reference names an object in it.
type Data struct {
	Patients, Practitioners, Appointments, Messages, Invoices []domain.Doc
}

// Generate builds an organization's data deterministically from seed: the same seed gives the
// same objects and ids; only organizationId and livemode come from the tenant.
func Generate(t domain.Tenant, seed uint64, n Sizes) Data {
	d := Data{Patients: patientDocs(t, seed, n.Patients)}
	d.Practitioners = practitionerDocs(t, seed, n.Practitioners)
	d.Appointments = appointmentDocs(t, seed, n.Appointments, d.Patients, d.Practitioners)
	d.Messages = messageDocs(t, seed, n.Messages, d.Patients)
	d.Invoices = invoiceDocs(t, seed, n.Invoices, d.Patients, d.Appointments)
	return d
}

func (d Data) byResource() []struct {
	Res  *schema.Resource
	Docs []domain.Doc
} {
	return []struct {
		Res  *schema.Resource
		Docs []domain.Doc
	}{{schema.Patients, d.Patients}, {schema.Practitioners, d.Practitioners}, {schema.Appointments, d.Appointments}, {schema.Messages, d.Messages}, {schema.Invoices, d.Invoices}}
}

// FillSized writes generated data into an organization with BatchWriteItem (no events: seed
// data is a starting state), with the guards that reserve its externalIds.
func FillSized(ctx context.Context, st *store.Store, t domain.Tenant, seed uint64, n Sizes) error {
	refs := map[string][]domain.Doc{}
	for _, r := range Generate(t, seed, n).byResource() {
		refs[r.Res.Name] = r.Docs
		if len(r.Docs) == 0 {
			continue
		}
		if err := st.SeedObjects(ctx, t, r.Res.Name, r.Docs); err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
		if err := st.SeedExternalGuards(ctx, t, r.Res, r.Docs); err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
	}
	// The references between seeded objects are counted as a write's would be, so a seeded
	// patient with appointments cannot be deleted either (docs/resources.md).
	if err := st.SeedReferences(ctx, t, refs); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	return nil
}

// ResetResult counts what a reset removed and wrote.
type ResetResult struct {
	Deleted map[string]int `json:"deleted"`
	Seeded  map[string]int `json:"seeded"`
}

// Reset deletes every clinical object of the organization and seeds it again with seed and n
// (Default for St. Mungo's).
func Reset(ctx context.Context, st *store.Store, t domain.Tenant, seed uint64, n Sizes) (ResetResult, error) {
	out := ResetResult{Deleted: map[string]int{}, Seeded: map[string]int{}}
	for _, name := range schema.ClinicalResources {
		res, _ := schema.Lookup(name)
		k, err := st.PurgeObjects(ctx, t, res)
		if err != nil {
			return out, fmt.Errorf("sandbox: reset: %w", err)
		}
		out.Deleted[name] = k
	}
	// Everything goes, so the references between the purged objects go too (no 409 here).
	if err := st.PurgeReferences(ctx, t); err != nil {
		return out, fmt.Errorf("sandbox: reset: %w", err)
	}
	if err := FillSized(ctx, st, t, seed, n); err != nil {
		return out, err
	}
	for _, r := range Generate(t, seed, n).byResource() {
		out.Seeded[r.Res.Name] = len(r.Docs)
	}
	return out, nil
}

func base(t domain.Tenant, id, object string, created time.Time) domain.Doc {
	return domain.Doc{"id": id, "object": object, "organizationId": t.Org, "livemode": t.Live(),
		"createdAt": created.UnixMilli(), "updatedAt": created.UnixMilli(), "metadata": map[string]any{}}
}

var practitionerSeed = []struct{ First, Last, Title, Specialty string }{
	{"Hippocrates", "Smethwyck", "Dr", "General Practice"}, {"Augustus", "Pye", "Dr", "General Practice"},
	{"Miriam", "Strout", "Nurse", "Nursing"}, {"Gilderoy", "Lockhart", "Mr", "Physiotherapy"},
	{"Agnes", "Okoro", "Dr", "Paediatrics"}, {"Priya", "Raman", "Dr", "Dermatology"},
	{"Tomasz", "Nowak", "Dr", "Cardiology"}, {"Ingrid", "Larsen", "Dr", "Psychiatry"},
	{"Amara", "Mensah", "Midwife", "Obstetrics"}, {"Kenji", "Watanabe", "Dr", "Sports Medicine"},
	{"Lucía", "Fernández", "Nurse", "Nursing"}, {"Oliver", "Whitfield", "Dr", "General Practice"},
}

func practitionerDocs(t domain.Tenant, seed uint64, n int) []domain.Doc {
	r := newRNG(seed, 2)
	out := make([]domain.Doc, 0, n)
	for i := range n {
		p := practitionerSeed[i%len(practitionerSeed)]
		created := epoch.Add(-time.Duration(n-i) * 24 * time.Hour)
		d := base(t, core.IDFrom("prac", created, r), "practitioner", created)
		d["externalId"] = fmt.Sprintf("STAFF-%03d", 10+i)
		d["firstName"], d["lastName"], d["title"], d["specialty"] = p.First, p.Last, p.Title, p.Specialty
		d["email"] = fmt.Sprintf("%s.%s@stmungos.example", asciiLower(p.First), asciiLower(p.Last))
		d["phone"] = fmt.Sprintf("+442079461%03d", i)
		d["active"] = i != n-1 || n < 4 // one former colleague in larger clinics
		out = append(out, d)
	}
	return out
}

var reasons = []string{"Annual check-up", "Follow-up", "Vaccination", "Blood test", "Back pain", "Skin rash", "Prescription review",
	"Asthma review", "Blood pressure check", "Physiotherapy session", "Antenatal visit", "Mental health review", "Sports injury", "Travel advice"}
var cancelReasons = []string{"Patient unwell", "Scheduling conflict", "Practitioner unavailable", "Patient moved away", "Booked in error"}

// appointmentDocs spreads appointments over working hours from six months before Anchor to
// six months after it.
func appointmentDocs(t domain.Tenant, seed uint64, n int, patients, pracs []domain.Doc) []domain.Doc {
	if len(patients) == 0 {
		return nil
	}
	r := newRNG(seed, 3)
	from := Anchor.AddDate(0, -6, 0)
	days := int(Anchor.AddDate(0, 6, 0).Sub(from).Hours() / 24)
	out := make([]domain.Doc, 0, n)
	for i := range n {
		day := from.AddDate(0, 0, r.IntN(days))
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			day = day.AddDate(0, 0, 1)
		}
		start := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(38)) * 15 * time.Minute)
		end := start.Add(time.Duration(1+r.IntN(4)) * 15 * time.Minute)
		p := patients[r.IntN(len(patients))]
		created := start.Add(-time.Duration(1+r.IntN(60*24)) * time.Hour)
		if pc := time.UnixMilli(p["createdAt"].(int64)).Add(time.Hour); created.Before(pc) {
			created = pc
		}
		if created.After(Anchor) {
			created = Anchor.Add(-time.Duration(1+r.IntN(1000)) * time.Minute)
		}
		d := base(t, core.IDFrom("appt", created, r), "appointment", created)
		d["externalId"] = fmt.Sprintf("APPT-%07d", 5000000+i)
		d["patientId"] = p["id"]
		if len(pracs) > 0 {
			d["practitionerId"] = pracs[r.IntN(len(pracs))]["id"]
		}
		d["startsAt"], d["endsAt"] = start.UnixMilli(), end.UnixMilli()
		d["reason"] = pick(r, reasons)
		x := r.IntN(100)
		var status string
		switch {
		case start.Before(Anchor.Add(-24 * time.Hour)):
			status = pickWeighted(x, "fulfilled", 75, "noshow", 10, "cancelled", 15)
		case start.Before(Anchor):
			status = pickWeighted(x, "arrived", 60, "fulfilled", 30, "noshow", 10)
		default:
			status = pickWeighted(x, "booked", 70, "proposed", 20, "cancelled", 10)
		}
		d["status"] = status
		if status == "cancelled" {
			d["cancellationReason"] = pick(r, cancelReasons)
		}
		if r.IntN(4) == 0 {
			d["notes"] = "Patient asked for a reminder the day before."
		}
		// updatedAt: the last status change happened around the appointment, never after Anchor.
		upd := created
		if status != "booked" && status != "proposed" {
			upd = end
			if upd.After(Anchor) || status == "cancelled" {
				upd = created.Add(time.Duration(1+r.IntN(48)) * time.Hour)
			}
			if upd.After(Anchor) {
				upd = Anchor
			}
			if upd.Before(created) {
				upd = created
			}
		}
		d["updatedAt"] = upd.UnixMilli()
		out = append(out, d)
	}
	return out
}

// pickWeighted maps x in [0,100) to a value by cumulative weights (value, weight, value, ...).
func pickWeighted(x int, vw ...any) string {
	acc := 0
	for i := 0; i < len(vw); i += 2 {
		acc += vw[i+1].(int)
		if x < acc {
			return vw[i].(string)
		}
	}
	return vw[len(vw)-2].(string)
}

var conversation = []struct{ Dir, Title, Text string }{
	{"outbound", "Appointment reminder", "Hello {name}, this is a reminder of your appointment at St. Mungo's tomorrow. Reply YES to confirm."},
	{"inbound", "", "Yes, I'll be there. Thank you!"},
	{"outbound", "Test results", "Hi {name}, your recent blood test results are ready. Everything looks normal."},
	{"inbound", "", "Great news, thanks. Do I need a follow-up?"},
	{"outbound", "", "No follow-up needed; see you at your annual check-up."},
	{"inbound", "Prescription", "Could I get a repeat prescription for my inhaler please?"},
	{"outbound", "Prescription ready", "Your repeat prescription is ready to collect from the pharmacy."},
	{"inbound", "Reschedule", "I need to move my appointment next week, is Thursday possible?"},
	{"outbound", "", "Thursday at 10:30 is booked for you, {name}."},
	{"outbound", "Invoice", "Your invoice is available in the patient portal."},
}

// messageDocs makes conversations: each room is one patient's thread, messages alternate
// between clinic and patient, older ones read, some archived.
func messageDocs(t domain.Tenant, seed uint64, n int, patients []domain.Doc) []domain.Doc {
	if len(patients) == 0 || n == 0 {
		return nil
	}
	r := newRNG(seed, 4)
	out := make([]domain.Doc, 0, n)
	for len(out) < n {
		p := patients[r.IntN(len(patients))]
		room := "room_" + p["id"].(string)[4:]
		channel := pick(r, schema.MessageChannels)
		at := Anchor.AddDate(0, -6, 0).Add(time.Duration(r.IntN(180*24)) * time.Hour)
		if pc := time.UnixMilli(p["createdAt"].(int64)); at.Before(pc) {
			at = pc.Add(time.Hour)
		}
		archived := r.IntN(6) == 0
		first := r.IntN(len(conversation))
		for k := range min(2+r.IntN(8), n-len(out)) {
			c := conversation[(first+k)%len(conversation)]
			at = at.Add(time.Duration(5+r.IntN(600)) * time.Minute)
			d := base(t, core.IDFrom("msg", at, r), "message", at)
			d["patientId"], d["roomId"], d["direction"], d["channel"] = p["id"], room, c.Dir, channel
			if c.Title != "" {
				d["title"] = c.Title
			}
			d["text"] = strings.ReplaceAll(c.Text, "{name}", p["firstName"].(string))
			d["read"] = c.Dir == "outbound" || at.Before(Anchor.AddDate(0, 0, -3)) || r.IntN(2) == 0
			d["archived"] = archived
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["id"].(string) < out[j]["id"].(string) })
	return out
}

// priceList is in each currency's minor unit (JPY has none: 5500 is ¥5,500).
var priceList = []struct {
	Desc   string
	Amount map[string]int64
}{
	{"Consultation", map[string]int64{"USD": 15000, "GBP": 9500, "EUR": 11000, "JPY": 5500}},
	{"Follow-up visit", map[string]int64{"USD": 8000, "GBP": 5500, "EUR": 6500, "JPY": 3300}},
	{"Blood test", map[string]int64{"USD": 4500, "GBP": 3000, "EUR": 3500, "JPY": 2200}},
	{"Vaccination", map[string]int64{"USD": 6000, "GBP": 4000, "EUR": 4500, "JPY": 4400}},
	{"Physiotherapy session", map[string]int64{"USD": 9000, "GBP": 6000, "EUR": 7000, "JPY": 6600}},
	{"Medical certificate", map[string]int64{"USD": 2500, "GBP": 1500, "EUR": 2000, "JPY": 1100}},
}

// Currencies of seeded invoices.
var Currencies = []string{"GBP", "GBP", "GBP", "EUR", "USD", "JPY"}

// billable lists the appointments an invoice may bill (past, fulfilled or a no-show's fee) in an
// order drawn from their own stream, so the invoices' other draws stay as they were before
// invoices named appointments.
func billable(seed uint64, appts []domain.Doc) []domain.Doc {
	var out []domain.Doc
	for _, a := range appts {
		if (a["status"] == "fulfilled" || a["status"] == "noshow") && a["endsAt"].(int64) < Anchor.UnixMilli() {
			out = append(out, a)
		}
	}
	r := newRNG(seed, 6)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// invoiceDocs bills most invoices for an appointment (each at most once): the invoice is the
// appointment's patient's, made hours after it ended; the rest (certificates, reports) name none.
func invoiceDocs(t domain.Tenant, seed uint64, n int, patients, appts []domain.Doc) []domain.Doc {
	if len(patients) == 0 {
		return nil
	}
	r := newRNG(seed, 5)
	visits := billable(seed, appts)
	out := make([]domain.Doc, 0, n)
	for i := range n {
		p := patients[r.IntN(len(patients))]
		created := Anchor.AddDate(0, -6, 0).Add(time.Duration(r.IntN(180*24)) * time.Hour)
		var appt domain.Doc
		if len(visits) > 0 && i%8 != 7 {
			appt, visits = visits[0], visits[1:]
			p = byID(patients, appt["patientId"].(string))
			created = time.UnixMilli(appt["endsAt"].(int64)).Add(time.Duration(1+i%48) * time.Hour)
			if created.After(Anchor) {
				created = Anchor
			}
		}
		if pc := time.UnixMilli(p["createdAt"].(int64)).Add(time.Hour); created.Before(pc) {
			created = pc
		}
		cur := pick(r, Currencies)
		var lines []any
		var total int64
		for range 1 + r.IntN(3) {
			item := pick(r, priceList)
			q := int64(1 + r.IntN(2))
			lines = append(lines, map[string]any{"description": item.Desc, "quantity": q, "unitAmount": item.Amount[cur]})
			total += q * item.Amount[cur]
		}
		d := base(t, core.IDFrom("inv", created, r), "invoice", created)
		d["externalId"] = fmt.Sprintf("INV-%06d", 200000+i)
		d["patientId"], d["currency"], d["lineItems"], d["total"] = p["id"], cur, lines, total
		if appt != nil {
			d["appointmentId"] = appt["id"]
		}
		d["dueAt"] = created.AddDate(0, 0, 30).UnixMilli()
		status := pickWeighted(r.IntN(100), "paid", 50, "open", 30, "draft", 10, "void", 10)
		var paid int64
		switch status {
		case "paid":
			paid = total
		case "open":
			if r.IntN(4) == 0 {
				paid = total / 2
			}
		}
		d["status"], d["amountPaid"] = status, paid
		if status != "draft" {
			upd := created.Add(time.Duration(1+r.IntN(30*24)) * time.Hour)
			if upd.After(Anchor) {
				upd = Anchor
			}
			d["updatedAt"] = upd.UnixMilli()
		}
		out = append(out, d)
	}
	return out
}

// byID finds the doc with id (seed data is small enough for a scan).
func byID(docs []domain.Doc, id string) domain.Doc {
	for _, d := range docs {
		if d["id"] == id {
			return d
		}
	}
	panic("sandbox: no seeded object " + id)
}
