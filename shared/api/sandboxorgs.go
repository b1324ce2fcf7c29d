package api

import (
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox/testorgs"
)

// testOrgTenant resolves a test-mode request naming one of the sandbox's test organizations
// (docs/sandbox.md): the revoked one answers CREDENTIALS_ERROR exactly as a live organization
// that revoked access does; the others are the account's own data under that id.
func testOrgTenant(t domain.Tenant, o testorgs.Org) (domain.Tenant, error) {
	if o.Status != "active" {
		return t, apperr.New(apperr.Credentials, "Organization %s has revoked this account's access. (A sandbox test organization: it always answers CREDENTIALS_ERROR.)", o.ID)
	}
	t.Org = o.ID
	return t, nil
}
