// Package hapihub is the Go client of the HAPI Hub API: one clean REST API to medical clinics'
// patients, practitioners, appointments, messages and invoices.
//
// # Install
//
// The package is in the module github.com/hapihub/hapihub/sdk/go, which needs nothing beyond the
// standard library:
//
//	go get github.com/hapihub/hapihub/sdk/go
//
// # Quick start
//
//	client := hapihub.New(os.Getenv("HAPIHUB_TEST_SECRET_KEY"))
//	// Against the local stack (make run): hapihub.WithBaseURL("http://localhost:3000")
//
//	page, err := client.Patients.List(ctx, hapihub.Where(hapihub.Eq("status", "active")).
//		Sort("lastName", hapihub.Asc).Limit(20).WithTotal())
//
//	for p, err := range client.Appointments.All(ctx, hapihub.Where(hapihub.Eq("patientId", id))) {
//		// every page, fetched as the loop goes
//	}
//
//	p, err := client.Patients.Create(ctx, &hapihub.Patient{FirstName: "Ada", LastName: "Lovelace"})
//	p, err = client.Patients.Patch(ctx, p.ID, &hapihub.Patient{PreferredName: "Ada"})
//
// # Resources
//
// Client.Patients, Practitioners, Appointments, Messages and Invoices have the six methods
// (List, All, Get, Create, Update, Patch, Delete); Organizations reads and patches metadata.
// Platform routes: Events, WebhookEndpoints (with deliveries, resend, secret roll and test events),
// APIKeys (restricted keys, roll, revoke), Tokens, Account (IP allowlist), RequestLogs (the last 7
// days of requests) and Sandbox (reset). The
// clinical types are generated from the server's schema; optional scalars are pointers (set them
// with Ptr), times are Unix milliseconds (Millis, Time, Date).
//
// # Queries
//
// Where, Eq, Ne, In, Nin, Lt, Lte, Gt, Gte, Exists, Or and And build the API's Feathers-style
// filters; Query adds Sort, Select, Limit, Skip, WithTotal and Search/SearchWith ($search). The
// query string is what the Node qs library makes of the same object.
//
// # Writes, retries and errors
//
// Every write carries an Idempotency-Key (a UUID, or IdempotencyKey), the same across the
// client's own retries, so a retried create never creates twice. Network errors, 409
// IDEMPOTENCY_ERROR in flight, 429 (after its Retry-After) and 5xx are retried with exponential backoff
// and jitter (WithMaxRetries, WithBackoff), as long as the context allows. A failed call returns
// an *Error with the API's Name, Message, Event, Code and field errors; match it with errors.As
// or errors.Is(err, ErrNotFound). CaptureResponse gives the status and headers: Response.ETag
// for IfMatch, Response.Replayed for idempotent replays. WithOrganization and ForOrganization
// send HapiHub-Organization for live keys connected to several clinics. WithAPIVersion pins the
// API version (HapiHub-Version) the code was written for; ForAPIVersion names one for a call, and
// Response.APIVersion says which version answered.
//
// # Webhooks
//
// ReadEvent, ConstructEvent and VerifySignature check the HapiHub-Signature header of a delivery
// against the endpoint's secret; VerifyStandardSignature checks the Standard Webhooks headers.
package hapihub
