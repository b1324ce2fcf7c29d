package webhook

import (
	"fmt"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
)

// applyAPIVersion sets the API version an endpoint's deliveries are rendered in. As Stripe's, it
// is chosen when the endpoint is created and never changed: to move a receiver to a new version,
// create a second endpoint on it, switch the receiver over, then delete the first
// (docs/versioning.md).
func applyAPIVersion(e *webhookstore.Endpoint, v *string, create bool) []apperr.FieldError {
	if v == nil {
		return nil
	}
	if !create {
		return []apperr.FieldError{{Field: "apiVersion", Message: "is chosen when the endpoint is created; create another endpoint for another version"}}
	}
	ver, ok := apiversion.Current().Lookup(*v)
	if !ok {
		return []apperr.FieldError{{Field: "apiVersion", Message: fmt.Sprintf("names no API version: %q; the known versions are %v", *v, apiversion.Current().Known())}}
	}
	e.APIVersion = string(ver)
	return nil
}
