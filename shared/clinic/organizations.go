package clinic

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/sandbox/testorgs"
	"github.com/hapihub/hapihub/shared/schema"
)

// OrgStore is what the organizations endpoints and the capabilities check read and write.
type OrgStore interface {
	GetAccount(ctx context.Context, id string) (domain.Account, error)
	Connections(ctx context.Context, account string) ([]domain.Connection, error)
	GetOrganization(ctx context.Context, id string) (domain.Doc, error)
	UpdateOrganization(ctx context.Context, t domain.Tenant, mutate domain.Mutate, meta domain.Meta) (domain.Doc, error)
}

// Organizations serves /organizations: the organizations a key can reach (test: the sandbox;
// live: the account's connections). Reading needs no HapiHub-Organization header, since listing
// is how a client learns the ids. API keys may only change metadata; create, update and remove
// answer METHOD_NOT_SUPPORTED.
type Organizations struct {
	Store OrgStore
}

// Routes of /organizations.
func (o *Organizations) Routes() []api.Route {
	r := func(method, path string, m schema.Method, h api.HandlerFunc) api.Route {
		return api.Route{Method: method, Path: path, Handler: h, NoTenant: true, Resource: "organizations", Action: string(m)}
	}
	return []api.Route{
		r(http.MethodGet, "/organizations", schema.Find, o.find),
		r(http.MethodGet, "/organizations/{id}", schema.Get, o.get),
		r(http.MethodPatch, "/organizations/{id}", schema.Patch, o.patch),
		r(http.MethodPost, "/organizations", schema.Create, notSupported),
		r(http.MethodPut, "/organizations/{id}", schema.Update, notSupported),
		r(http.MethodDelete, "/organizations/{id}", schema.Remove, notSupported),
	}
}

func notSupported(r *api.Request) (api.Response, error) {
	return api.Response{}, apperr.New(apperr.MethodNotSupported, "Organizations are managed by the clinics; API keys can read them and change only their metadata (%s is not supported).", r.Event.HTTPMethod)
}

// reach lists the organizations the request's key can reach, with their connection status.
func (o *Organizations) reach(r *api.Request) ([]domain.Connection, error) {
	p := r.Principal
	if p.Mode == domain.Test {
		acct, err := o.Store.GetAccount(r.Ctx, p.AccountID)
		if err != nil {
			return nil, err
		}
		conns := []domain.Connection{{Org: acct.SandboxOrg, Status: "active"}}
		for _, t := range testorgs.All() { // the sandbox's test organizations (docs/sandbox.md)
			conns = append(conns, domain.Connection{Org: t.ID, Status: t.Status})
		}
		return conns, nil
	}
	return o.Store.Connections(r.Ctx, p.AccountID)
}

// reachable checks the path's organization: unknown to this key is NOT_FOUND (another
// account's organization looks like a missing one), revoked is CREDENTIALS_ERROR.
func (o *Organizations) reachable(r *api.Request) (string, error) {
	id := r.Event.PathParameters["id"]
	conns, err := o.reach(r)
	if err != nil {
		return "", err
	}
	for _, c := range conns {
		if c.Org == id {
			if c.Status != "active" {
				return "", apperr.New(apperr.Credentials, "Organization %s has revoked this account's access.", id)
			}
			return id, nil
		}
	}
	return "", apperr.New(apperr.NotFound, "No such organization: %s", id)
}

func present(doc domain.Doc) domain.Doc {
	doc["organizationId"] = doc["id"]
	return doc
}

func (o *Organizations) find(r *api.Request) (api.Response, error) {
	q, err := query.Params(r.Query())
	if err != nil {
		return api.Response{}, err
	}
	lp, err := query.ReadList(q, "org", query.SortKey{}) // a fixed order: no sort names it
	if err != nil {
		return api.Response{}, err
	}
	total := false
	for k, v := range q.All() {
		switch s, _ := qs.AsString(v); {
		case lp.IsParam(k):
		case k == "$total":
			total = s == "true"
		default:
			return api.Response{}, apperr.Field(k, "is not a query parameter of organizations ($limit, $skip, startingAfter, endingBefore, $total; or page, size)")
		}
	}
	conns, err := o.reach(r)
	if err != nil {
		return api.Response{}, err
	}
	docs := []any{}
	for _, c := range conns {
		if c.Status != "active" {
			continue
		}
		d, err := organization(r.Ctx, o.Store, c.Org)
		if err != nil {
			return api.Response{}, err
		}
		docs = append(docs, present(d))
	}
	lo, hi, err := orgWindow(docs, lp.Limit, lp.Skip, lp.Cursor)
	if err != nil {
		return api.Response{}, err
	}
	more := hi < len(docs)
	if lp.Cursor != nil && lp.Cursor.Before {
		more = lo > 0
	}
	n := -1
	if total || lp.Limit == 0 || lp.Dialect == query.Hubpay {
		n = len(docs)
	}
	return api.Response{Body: lp.Body(docs[lo:hi], more, n)}, nil
}

// orgWindow is the page [lo, hi) of the organizations (a short list in a fixed order: the
// sandbox, then its test organizations, or the connections), by skip or by the cursor's place in
// it; an id not in the list is 400 on the parameter.
func orgWindow(docs []any, limit, skip int, c *query.Cursor) (int, int, error) {
	if c == nil {
		lo := min(skip, len(docs))
		return lo, min(len(docs), lo+limit), nil
	}
	at := -1
	for i, d := range docs {
		if d.(domain.Doc)["id"] == c.ID {
			at = i
		}
	}
	if at < 0 {
		return 0, 0, apperr.Field(c.Param, "is not an organization of this list: %q", c.ID)
	}
	if c.Before {
		return max(0, at-limit), at, nil
	}
	return at + 1, min(len(docs), at+1+limit), nil
}

func (o *Organizations) get(r *api.Request) (api.Response, error) {
	id, err := o.reachable(r)
	if err != nil {
		return api.Response{}, err
	}
	d, err := organization(r.Ctx, o.Store, id)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: present(d), Header: orgETag(d)}, nil
}

// orgETag: an organization's version is its updatedAt (UpdateOrganization raises it on every
// change and conditions the write on it), so it is the entity tag If-Match compares.
func orgETag(d domain.Doc) map[string]string {
	return map[string]string{"ETag": api.ETag(orgVersion(d))}
}

func orgVersion(d domain.Doc) string {
	v, _ := d["updatedAt"].(int64)
	if f, ok := d["updatedAt"].(float64); ok {
		v = int64(f)
	}
	return strconv.FormatInt(v, 10)
}

func (o *Organizations) patch(r *api.Request) (api.Response, error) {
	id, err := o.reachable(r)
	if err != nil {
		return api.Response{}, err
	}
	if _, ok := testorgs.Lookup(id); ok {
		// Their documents are shared by every account: a change would show in the others.
		return api.Response{}, apperr.New(apperr.MethodNotSupported, "%s is a sandbox test organization: it can be read, not changed.", id)
	}
	match, err := api.ParseIfMatch(r.Header("If-Match"))
	if err != nil {
		return api.Response{}, err
	}
	fields, err := schema.Organizations.DecodeBody(r.Body, schema.OpPatch)
	if err != nil {
		return api.Response{}, err
	}
	t := domain.Tenant{Account: r.Principal.AccountID, Mode: r.Principal.Mode, Org: id}
	meta := domain.Meta{RequestID: r.RequestID, IdempotencyKey: r.Header("Idempotency-Key")}
	d, err := o.Store.UpdateOrganization(r.Ctx, t, func(cur domain.Doc) (domain.Doc, error) {
		// Checked on the version the write is conditioned on: a concurrent change re-runs this.
		if err := match.Check(orgVersion(cur), "organization"); err != nil {
			return nil, err
		}
		patch, given := fields["metadata"].(map[string]any)
		if _, isNull := fields["metadata"]; isNull && !given {
			cur["metadata"] = map[string]any{} // metadata: null clears every key
			return cur, nil
		}
		m := map[string]any{}
		if old, ok := cur["metadata"].(map[string]any); ok {
			for k, v := range old {
				m[k] = v
			}
		}
		for k, v := range patch {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		if len(m) > 50 {
			return nil, apperr.Field("metadata", "can have at most 50 keys, would have %d", len(m))
		}
		cur["metadata"] = m
		return cur, nil
	}, meta)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: present(d), Header: orgETag(d)}, nil
}

// Capabilities answers METHOD_NOT_SUPPORTED for a clinical resource's method that the
// organization's practice-management system lacks (its capabilities). It runs after the
// organization is resolved; routes without a tenant or outside the clinical resources pass. A
// sandbox request whose method the authorizer context lists needs no read; a read (find, get) of
// any other organization runs beside the organization's read (api.Beside); writes wait for it.
func Capabilities(orgs interface {
	GetOrganization(ctx context.Context, id string) (domain.Doc, error)
}) api.Middleware {
	return func(route api.Route, next api.HandlerFunc) api.HandlerFunc {
		if route.Public || route.NoTenant || !slices.Contains(schema.ClinicalResources, route.Resource) {
			return next
		}
		read := auth.Needed(route.Action) == auth.Read
		return func(r *api.Request) (api.Response, error) {
			if grantedByAuthorizer(r, route) {
				return next(r)
			}
			org := r.Tenant.Org
			check := func(ctx context.Context) error { return supports(ctx, orgs, org, route) }
			if read {
				// A read runs beside the organization's read (a read changes nothing, so its
				// answer is simply discarded when the method is not supported).
				return api.Beside(r, check, next)
			}
			if err := check(r.Ctx); err != nil {
				return api.Response{}, err
			}
			return next(r)
		}
	}
}

// grantedByAuthorizer reports whether the authorizer context already says the request's
// organization supports the route's method: in test mode it carries the sandbox organization's
// capabilities (shared/auth.AccountFacts), so a sandbox request needs no read of the
// organization. Anything else (another organization, a method not listed) reads the
// organization, so a refusal always comes from the organization itself.
func grantedByAuthorizer(r *api.Request, route api.Route) bool {
	a := r.Principal.Account
	return a != nil && a.SandboxCapabilities != nil && r.Tenant.Org == a.SandboxOrg &&
		slices.Contains(a.SandboxCapabilities[route.Resource], route.Action)
}

// supports answers METHOD_NOT_SUPPORTED when the organization's capabilities lack the route's
// method on its resource.
func supports(ctx context.Context, orgs interface {
	GetOrganization(ctx context.Context, id string) (domain.Doc, error)
}, id string, route api.Route) error {
	org, err := organization(ctx, orgs, id)
	if err != nil {
		return err
	}
	caps, _ := org["capabilities"].(map[string]any)
	methods, _ := caps[route.Resource].([]any)
	if !slices.Contains(methods, any(route.Action)) {
		return apperr.New(apperr.MethodNotSupported, "%s's practice-management system (%s) does not support %s on %s.", str(org["name"]), str(org["pms"]), route.Action, route.Resource)
	}
	return nil
}
