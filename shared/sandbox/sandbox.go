// Package sandbox makes St. Mungo's Clinic, the test-mode organization every account gets, and
// fills it with realistic, deterministic data: the same seed always gives the same clinic.
package sandbox

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox/jobq"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Name of the sandbox organization.
const Name = jobq.Name

// Seed is the default seed; a reset restores exactly this data.
const Seed = 1998

// Patients is how many patients the sandbox has.
const Patients = 200

// epoch anchors seeded timestamps so the data does not depend on when it was made.
var epoch = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

// Organization returns the sandbox organization document.
func Organization(id string, now time.Time) domain.Doc { return jobq.Organization(id, now) }

// rng is a deterministic random source that also serves as the id randomness.
type rng struct{ *rand.Rand }

func (r rng) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.UintN(256))
	}
	return len(p), nil
}

func newRNG(seed uint64, stream uint64) rng { return rng{rand.New(rand.NewPCG(seed, stream))} }

func pick[T any](r rng, xs []T) T { return xs[r.IntN(len(xs))] }

var (
	femaleNames = []string{"Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace", "Freya", "Hannah", "Chloe", "Emily", "Poppy", "Ella", "Evie", "Ruby", "Alice", "Maya", "Aisha", "Priya", "Zara", "Chiara", "Sofia", "Léa", "Chloé", "Inès", "Lucía", "María", "Anneliese", "Björk", "Nadia", "Fatima"}
	maleNames   = []string{"Oliver", "George", "Noah", "Arthur", "Leo", "Oscar", "Harry", "Archie", "Jack", "Henry", "Charlie", "Freddie", "Theodore", "Thomas", "Alfie", "James", "William", "Samuel", "Daniel", "Joseph", "Mohammed", "Omar", "Arjun", "Rohan", "Mateo", "Hugo", "Lucas", "Raphaël", "José", "Jürgen", "Søren", "Kwame", "Chen", "Hiroshi"}
	lastNames   = []string{"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Müller", "García", "Núñez", "O'Brien", "Nakamura", "Okafor", "Kowalski"}
	streets     = []string{"High Street", "Station Road", "Church Lane", "Victoria Road", "Green Lane", "Manor Road", "Park Avenue", "Queen's Road", "Mill Lane", "Kingsway", "Albert Street", "The Crescent"}
	cities      = []struct{ City, Region, Postcode, Country string }{
		{"London", "Greater London", "SW1A 1AA", "GBR"}, {"London", "Greater London", "E1 6AN", "GBR"}, {"Manchester", "Greater Manchester", "M1 1AE", "GBR"},
		{"Bristol", "Bristol", "BS1 4DJ", "GBR"}, {"Edinburgh", "Scotland", "EH1 1YZ", "GBR"}, {"Cardiff", "Wales", "CF10 1EP", "GBR"},
		{"Dublin", "Leinster", "D02 X285", "IRL"}, {"Paris", "Île-de-France", "75004", "FRA"}, {"Boston", "MA", "02108", "USA"},
	}
	tags = []string{"new-patient", "diabetic", "allergy-penicillin", "prefers-sms", "wheelchair-access", "interpreter-needed", "vip", "overdue-recall", "hypertension", "asthma"}
)

// PatientDocs returns the sandbox's patients for one organization, deterministically from seed.
// Only ids depend on the organization's tenant; everything else is the same in every sandbox.
func PatientDocs(t domain.Tenant, seed uint64) []domain.Doc { return patientDocs(t, seed, Patients) }

func patientDocs(t domain.Tenant, seed uint64, n int) []domain.Doc {
	r := newRNG(seed, 1)
	out := make([]domain.Doc, 0, n)
	for i := range n {
		created := epoch.Add(time.Duration(i) * 97 * time.Minute)
		sex := pick(r, []string{"female", "female", "male", "male", "other", "unknown"})
		first := pick(r, femaleNames)
		if sex == "male" || (sex != "female" && r.IntN(2) == 0) {
			first = pick(r, maleNames)
		}
		last := pick(r, lastNames)
		dob := time.Date(1935+r.IntN(88), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		c := pick(r, cities)
		status := "active"
		switch x := r.IntN(20); {
		case x == 0:
			status = "deceased"
		case x < 4:
			status = "inactive"
		}
		doc := domain.Doc{
			"id":             core.IDFrom("pat", created, r),
			"object":         "patient",
			"organizationId": t.Org,
			"livemode":       t.Live(),
			"createdAt":      created.UnixMilli(),
			"updatedAt":      created.UnixMilli(),
			"externalId":     fmt.Sprintf("MRN-%06d", 100000+i*7),
			"firstName":      first,
			"lastName":       last,
			"dateOfBirth":    dob.UnixMilli(),
			"sex":            sex,
			"email":          fmt.Sprintf("%s.%s%d@example.com", asciiLower(first), asciiLower(last), i),
			"phone":          fmt.Sprintf("+447700%06d", 900000+i),
			"address": map[string]any{
				"line1": fmt.Sprintf("%d %s", 1+r.IntN(180), pick(r, streets)), "city": c.City, "region": c.Region,
				"postalCode": c.Postcode, "country": c.Country,
			},
			"status":   status,
			"tags":     pickTags(r),
			"metadata": map[string]any{},
		}
		if r.IntN(5) == 0 {
			doc["preferredName"] = first[:min(len(first), 3)]
		}
		out = append(out, doc)
	}
	return out
}

func pickTags(r rng) []any {
	out := []any{}
	for _, t := range tags {
		if r.IntN(8) == 0 {
			out = append(out, t)
		}
	}
	return out
}

// asciiLower keeps email local parts ASCII: ü -> u and so on for the few accented names.
func asciiLower(s string) string {
	repl := map[rune]string{'é': "e", 'è': "e", 'ë': "e", 'á': "a", 'à': "a", 'í': "i", 'ó': "o", 'ú': "u", 'ü': "u", 'ö': "o", 'ø': "o", 'ñ': "n", 'ç': "c", 'ï': "i", 'ê': "e"}
	var out []byte
	for _, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
			out = append(out, byte(c-'A'+'a'))
		case c >= 'a' && c <= 'z':
			out = append(out, byte(c))
		case repl[c] != "":
			out = append(out, repl[c]...)
		}
	}
	return string(out)
}

// Fill writes St. Mungo's data (Default sizes, unless ctx carries WithSizes) into an organization.
func Fill(ctx context.Context, st *store.Store, t domain.Tenant, seed uint64) error {
	return FillSized(ctx, st, t, seed, SizesOf(ctx))
}

// SizesOf is what ctx says to seed: the sizes of WithSizes, else Default.
func SizesOf(ctx context.Context) Sizes {
	if v, ok := ctx.Value(sizesKey{}).(Sizes); ok {
		return v
	}
	return Default
}

type sizesKey struct{}

// WithSizes makes Fill below ctx (account creation, the local bootstrap, and the sandbox reset of
// a function built with ctx) seed n instead of
// Default: tests that do not need the whole clinic pass it down, so they need no hook in the
// code between them and the fill.
func WithSizes(ctx context.Context, n Sizes) context.Context {
	return context.WithValue(ctx, sizesKey{}, n)
}

// Small is a sandbox big enough for pages, filters and references (every appointment, message
// and invoice status still needs a few objects) and quick to seed.
var Small = Sizes{Patients: 60, Practitioners: 4, Appointments: 40, Messages: 20, Invoices: 20}

// CreateAccount makes an account (accounts.Create) and fills its sandbox in the call, with seed
// (0: Seed): the local bootstrap and tests. The data follows in batches (an interrupted fill is
// repaired by a sandbox reset).
func CreateAccount(ctx context.Context, st *store.Store, opts accounts.Options, seed uint64) (accounts.Created, error) {
	out, err := accounts.Create(ctx, st.Accounts, opts)
	if err != nil {
		return out, err
	}
	if seed == 0 {
		seed = Seed
	}
	acct := out.Account
	if err := Fill(ctx, st, domain.Tenant{Account: acct.ID, Mode: domain.Test, Org: acct.SandboxOrg}, seed); err != nil {
		return out, fmt.Errorf("accounts: fill sandbox: %w", err)
	}
	if err := FillTestOrgs(ctx, st, acct.ID, seed, SizesOf(ctx)); err != nil {
		return out, fmt.Errorf("accounts: %w", err)
	}
	return out, nil
}
