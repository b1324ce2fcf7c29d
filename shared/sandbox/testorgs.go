package sandbox

import (
	"context"
	"fmt"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox/testorgs"
	"github.com/hapihub/hapihub/shared/store"
)

// NoMessagesSizes is the data of the test organization without messages: enough to list, page
// and reference, quick to seed on every sign-up and reset.
var NoMessagesSizes = Sizes{Patients: 20, Practitioners: 2, Appointments: 20, Messages: 0, Invoices: 8}

// FillTestOrgs writes the test organizations' documents and empties and seeds again the account's
// data in the one that has data (testorgs.NoMessages). Sign-up and every sandbox reset run it.
// It is never bigger than the account's sandbox (limit: the sizes St. Mungo's was seeded with).
func FillTestOrgs(ctx context.Context, st *store.Store, account string, seed uint64, limit Sizes) error {
	for _, o := range testorgs.All() {
		if err := st.PutOrganization(ctx, o.Doc()); err != nil {
			return fmt.Errorf("sandbox: test organizations: %w", err)
		}
	}
	t := domain.Tenant{Account: account, Mode: domain.Test, Org: testorgs.NoMessages}
	if _, err := Reset(ctx, st, t, seed, smaller(NoMessagesSizes, limit)); err != nil {
		return fmt.Errorf("sandbox: test organization %s: %w", t.Org, err)
	}
	return nil
}

func smaller(a, b Sizes) Sizes {
	return Sizes{Patients: min(a.Patients, b.Patients), Practitioners: min(a.Practitioners, b.Practitioners),
		Appointments: min(a.Appointments, b.Appointments), Messages: min(a.Messages, b.Messages), Invoices: min(a.Invoices, b.Invoices)}
}
