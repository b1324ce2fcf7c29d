package platform

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Platform routes: API keys (ApiKeysFunction), tokens (TokensFunction) and account settings
// (AccountFunction). Decisions are in docs/keys.md.

// NewKeysFunction builds the api-keys function.
func NewKeysFunction(ctx context.Context, cfg config.Config) (*api.Router, error) {
	return newFunction(ctx, cfg, (*Platform).KeyRoutes)
}

// NewTokensFunction builds the tokens function.
func NewTokensFunction(ctx context.Context, cfg config.Config) (*api.Router, error) {
	return newFunction(ctx, cfg, (*Platform).TokenRoutes)
}

// NewAccountFunction builds the account function (IP allowlist and request logs).
func NewAccountFunction(ctx context.Context, cfg config.Config) (*api.Router, error) {
	return newFunction(ctx, cfg, (*Platform).AccountRoutes)
}

func newFunction(ctx context.Context, cfg config.Config, routes func(*Platform) []api.Route) (*api.Router, error) {
	st, err := backend.Store(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return PlatformRouter(st, cfg, routes(&Platform{Store: st})), nil
}

// PlatformRouter is the router of every API function: its routes behind the middlewares, in the
// order the middlewares list gives.
func PlatformRouter(st *store.Store, cfg config.Config, routes []api.Route) *api.Router {
	mws := make([]api.Middleware, 0, len(middlewares))
	for _, m := range middlewares {
		mws = append(mws, m(st, cfg))
	}
	// requestlogs.go: every request with a key is logged, timed by the store's clock (which dates
	// the logs' ttl too).
	return api.NewRouter(api.Options{Tenants: st, Log: app.Logger(), Local: cfg.Local, Middlewares: mws,
		Recorder: requestRecorder{st}, Now: func() time.Time { return st.Now() }}, routes...)
}

// Middlewares of this file, listed in wire.go's middlewares.
func permissionsMiddleware(st *store.Store, _ config.Config) api.Middleware {
	return api.Permissions(st, st.Now)
}

func idempotencyMiddleware(st *store.Store, _ config.Config) api.Middleware {
	return api.Idempotency(st, app.Logger())
}

// Platform serves the platform resources.
type Platform struct {
	Store *store.Store
}

func (p *Platform) now() time.Time { return p.Store.Now() }

// MaxRollGrace is how long a rolled key may stay valid (up to 12 hours: docs/decisions.md#keys-and-access).
const MaxRollGrace = 12 * time.Hour

// TokenTTL is how long a token can be exchanged.
const TokenTTL = time.Hour

// KeyRoutes are /api-keys.
func (p *Platform) KeyRoutes() []api.Route {
	r := func(method, path, action string, h api.HandlerFunc) api.Route {
		return api.Route{Method: method, Path: path, Handler: secretOnly(h), NoTenant: true, Resource: "api-keys", Action: action}
	}
	return []api.Route{
		r(http.MethodGet, "/api-keys", "find", p.listKeys),
		r(http.MethodPost, "/api-keys", "create", p.createKey),
		r(http.MethodGet, "/api-keys/{id}", "get", p.getKey),
		r(http.MethodPatch, "/api-keys/{id}", "patch", p.editKey), // keyedit.go
		r(http.MethodDelete, "/api-keys/{id}", "remove", p.revokeKey),
		r(http.MethodPost, "/api-keys/{id}/roll", "roll", p.rollKey),
	}
}

// secretOnly: keys and account settings are managed with a secret key (of the same mode, since
// every look-up is scoped to the principal's mode).
func secretOnly(h api.HandlerFunc) api.HandlerFunc {
	return func(r *api.Request) (api.Response, error) {
		if r.Principal.KeyType != auth.Secret {
			return api.Response{}, apperr.New(apperr.Permissions, "Only secret keys can manage API keys and account settings; this is a %s key.", r.Principal.KeyType)
		}
		return h(r)
	}
}

// KeyView is an API key as the API shows it. secret is the full key only when reveal is true.
func KeyView(k domain.Key, now time.Time, secret string) map[string]any {
	status := k.Status
	var exp any
	if k.ExpiresAt != 0 {
		exp = k.ExpiresAt
		if status == domain.KeyActive {
			status = "expiring"
			if now.UnixMilli() >= k.ExpiresAt {
				status = "expired"
			}
		}
	}
	if secret == "" {
		secret = auth.Prefix(k.Type, k.Mode) + "..." + k.Last4
	}
	v := map[string]any{"id": k.ID, "object": "api_key", "type": k.Type, "livemode": k.Mode == domain.Live, "name": k.Name,
		"note": nilIfEmpty(k.Note), "secret": secret, "status": status, "createdAt": k.CreatedAt, "expiresAt": exp}
	if k.Type == auth.Restricted {
		v["permissions"] = k.Permissions
	}
	return v
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// listKeys lists every key of the mode, oldest first (a mode holds few); $limit, $skip and the
// cursors page it like any list.
func (p *Platform) listKeys(r *api.Request) (api.Response, error) {
	q, err := query.Params(r.Query())
	if err != nil {
		return api.Response{}, err
	}
	lp, err := query.ReadList(q, "key", query.SortKey{Field: "createdAt"}) // oldest first
	if err != nil {
		return api.Response{}, err
	}
	for key := range q.All() {
		if !lp.IsParam(key) {
			return api.Response{}, apperr.Field(key, "is not a parameter of API keys ($limit, $skip, startingAfter, endingBefore; or page, size, sort)")
		}
	}
	keys, err := p.Store.ListKeys(r.Ctx, r.Principal.AccountID, r.Principal.Mode)
	if err != nil {
		return api.Response{}, err
	}
	if lp.Dialect == query.Feathers && !lp.LimitSet {
		lp.Limit = len(keys) // a mode holds few: all of them unless a page size is asked
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	page, more := query.PageByID(keys, func(k domain.Key) string { return k.ID }, false, lp.Limit, lp.Skip, lp.Cursor)
	data := make([]any, len(page))
	for i, k := range page {
		data[i] = KeyView(k, p.now(), "")
	}
	return api.Response{Body: lp.Body(data, more, len(keys))}, nil
}

func (p *Platform) key(r *api.Request) (domain.Key, error) {
	id := r.Event.PathParameters["id"]
	if !strings.HasPrefix(id, "key_") {
		return domain.Key{}, apperr.New(apperr.NotFound, "No such api_key: %s", id)
	}
	return p.Store.GetKey(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id)
}

// getKey reveals a key's full secret when it is revealable (test keys, publishable keys); live
// secret and restricted keys were shown in full only when created or rolled.
func (p *Platform) getKey(r *api.Request) (api.Response, error) {
	k, err := p.key(r)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: KeyView(k, p.now(), k.Revealable)}, nil
}

// decodeObject reads a JSON object body, refusing fields outside allowed.
func decodeObject(body []byte, allowed ...string) (map[string]any, error) {
	m := map[string]any{}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, apperr.Field("body", "must be a JSON object")
		}
	}
	var bad []apperr.FieldError
	for k := range m {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			bad = append(bad, apperr.FieldError{Field: k, Message: "is not a field of this request"})
		}
	}
	if len(bad) > 0 {
		return nil, apperr.Invalid(bad...)
	}
	return m, nil
}

func optString(m map[string]any, field string, max int) (*string, *apperr.FieldError) {
	v, ok := m[field]
	if !ok || v == nil {
		return nil, nil
	}
	s, isStr := v.(string)
	if !isStr || utf8.RuneCountInString(s) > max {
		return nil, &apperr.FieldError{Field: field, Message: "must be a string of at most " + itoa(max) + " characters"}
	}
	// The clinical bodies' rule (docs/decisions.md#writes): a key's name or note is shown in
	// consoles and logs, where a NUL or an escape sequence is never data.
	if msg := schema.ControlChar(s); msg != "" {
		return nil, &apperr.FieldError{Field: field, Message: msg}
	}
	return &s, nil
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func (p *Platform) createKey(r *api.Request) (api.Response, error) {
	m, err := decodeObject(r.Body, "name", "note", "type", "permissions")
	if err != nil {
		return api.Response{}, err
	}
	var bad []apperr.FieldError
	name, fe := optString(m, "name", 100)
	if fe != nil {
		bad = append(bad, *fe)
	} else if name == nil || strings.TrimSpace(*name) == "" {
		bad = append(bad, apperr.FieldError{Field: "name", Message: "is required"})
	}
	note, fe := optString(m, "note", 500)
	if fe != nil {
		bad = append(bad, *fe)
	}
	if t, ok := m["type"]; ok && t != auth.Restricted {
		bad = append(bad, apperr.FieldError{Field: "type", Message: "must be restricted: each account has exactly one secret and one publishable key per mode (roll them to replace them)"})
	}
	rawPerms, _ := m["permissions"].(map[string]any)
	if _, ok := m["permissions"]; ok && rawPerms == nil {
		bad = append(bad, apperr.FieldError{Field: "permissions", Message: "must be an object of resource: none|read|write"})
	}
	perms, permErrs := auth.ValidatePermissions(rawPerms, func(res string) bool { _, ok := schema.Lookup(res); return ok })
	for f, msg := range permErrs {
		bad = append(bad, apperr.FieldError{Field: f, Message: msg})
	}
	if len(bad) > 0 {
		return api.Response{}, apperr.Invalid(bad...)
	}
	k, secret, err := p.newKey(r.Principal.AccountID, r.Principal.Mode, auth.Restricted)
	if err != nil {
		return api.Response{}, err
	}
	k.Name, k.Permissions = strings.TrimSpace(*name), perms
	if note != nil {
		k.Note = *note
	}
	if err := p.Store.CreateKey(r.Ctx, k); err != nil {
		return api.Response{}, err
	}
	return api.Response{Status: http.StatusCreated, Body: KeyView(k, p.now(), secret)}, nil
}

// newKey makes a fresh key of a type; test keys and publishable keys stay revealable.
func (p *Platform) newKey(account, mode, typ string) (domain.Key, string, error) {
	now := p.now()
	secret, err := auth.Generate(auth.Prefix(typ, mode))
	if err != nil {
		return domain.Key{}, "", err
	}
	k := domain.Key{ID: core.NewID("key", now), AccountID: account, Mode: mode, Type: typ, Hash: auth.Hash(secret),
		Last4: auth.Last4(secret), Status: domain.KeyActive, CreatedAt: now.UnixMilli(), Permissions: map[string]string{}}
	if mode == domain.Test || typ == auth.Publishable {
		k.Revealable = secret
	}
	return k, secret, nil
}

func (p *Platform) revokeKey(r *api.Request) (api.Response, error) {
	k, err := p.key(r)
	if err != nil {
		return api.Response{}, err
	}
	if k.Type != auth.Restricted {
		return api.Response{}, apperr.Field("id", "%s keys cannot be revoked, only rolled (roll with no expiresAt to block the old key at once)", k.Type)
	}
	if k.Status != domain.KeyActive {
		return api.Response{}, apperr.Field("id", "this key is already revoked")
	}
	if err := p.Store.RevokeKey(r.Ctx, k); err != nil {
		return api.Response{}, err
	}
	k.Status = domain.KeyRevoked
	return api.Response{Body: KeyView(k, p.now(), "")}, nil
}

// rollKey replaces a key with a new one of the same type, name, note and permissions. The old
// key is blocked at once, or at expiresAt (at most MaxRollGrace ahead).
func (p *Platform) rollKey(r *api.Request) (api.Response, error) {
	m, err := decodeObject(r.Body, "expiresAt", "expiresInSeconds")
	if err != nil {
		return api.Response{}, err
	}
	if _, ok := m["expiresInSeconds"]; ok {
		// Webhook secret rolls still take it (their first form); here only the canonical one.
		return api.Response{}, apperr.Field("expiresInSeconds", "is not a field of a key roll: send expiresAt, a Unix time in milliseconds at most 12 hours ahead (docs/keys.md)")
	}
	now := p.now()
	until := now.UnixMilli()
	if v, ok := m["expiresAt"]; ok && v != nil {
		f, isNum := v.(float64)
		if !isNum || f != float64(int64(f)) {
			return api.Response{}, apperr.Field("expiresAt", "must be a Unix time in milliseconds")
		}
		until = int64(f)
		if until < now.UnixMilli() || until > now.Add(MaxRollGrace).UnixMilli() {
			return api.Response{}, apperr.Field("expiresAt", "must be between now and 12 hours from now")
		}
	}
	old, err := p.key(r)
	if err != nil {
		return api.Response{}, err
	}
	if old.Status != domain.KeyActive || old.ExpiresAt != 0 {
		return api.Response{}, apperr.Field("id", "this key was already revoked or rolled; roll its replacement instead")
	}
	next, secret, err := p.newKey(old.AccountID, old.Mode, old.Type)
	if err != nil {
		return api.Response{}, err
	}
	next.Name, next.Note, next.Permissions = old.Name, old.Note, old.Permissions
	if err := p.Store.RollKey(r.Ctx, old, next, until); err != nil {
		return api.Response{}, err
	}
	view := KeyView(next, now, secret)
	view["rolledFrom"] = old.ID
	return api.Response{Status: http.StatusCreated, Body: view}, nil
}

// TokenRoutes are /tokens: publishable keys create them (from browsers), secret and restricted
// keys read them server-side.
func (p *Platform) TokenRoutes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Path: "/tokens", Handler: p.createToken, Publishable: true, NoTenant: true, Resource: "tokens", Action: "create"},
		{Method: http.MethodGet, Path: "/tokens/{id}", Handler: p.getToken, NoTenant: true, Resource: "tokens", Action: "get"},
	}
}

// TokenTypes a token may wrap.
var TokenTypes = []string{"patient_intake"}

// createToken wraps patient-intake data a browser collected (validated as a patient create) so
// the developer's server can fetch it by id within an hour without the data passing through it.
func (p *Platform) createToken(r *api.Request) (api.Response, error) {
	m, err := decodeObject(r.Body, "type", "data")
	if err != nil {
		return api.Response{}, err
	}
	if m["type"] != "patient_intake" {
		return api.Response{}, apperr.Field("type", "must be one of %s", strings.Join(TokenTypes, ", "))
	}
	raw, _ := json.Marshal(m["data"])
	if _, isObj := m["data"].(map[string]any); !isObj {
		return api.Response{}, apperr.Field("data", "must be an object of patient fields")
	}
	fields, err := schema.Patients.DecodeBody(raw, schema.OpCreate)
	if err != nil {
		e := apperr.From(err)
		for i := range e.Fields {
			e.Fields[i].Field = "data." + e.Fields[i].Field
		}
		return api.Response{}, apperr.Invalid(e.Fields...)
	}
	now := p.now()
	doc := domain.Doc{"id": core.NewID("tok", now), "object": "token", "type": "patient_intake", "livemode": r.Principal.Mode == domain.Live,
		"data": map[string]any(fields), "createdAt": now.UnixMilli(), "expiresAt": now.Add(TokenTTL).UnixMilli()}
	if err := p.Store.PutToken(r.Ctx, r.Principal.AccountID, r.Principal.Mode, doc); err != nil {
		return api.Response{}, err
	}
	return api.Response{Status: http.StatusCreated, Body: doc}, nil
}

func (p *Platform) getToken(r *api.Request) (api.Response, error) {
	id := r.Event.PathParameters["id"]
	if !strings.HasPrefix(id, "tok_") {
		return api.Response{}, apperr.New(apperr.NotFound, "No such token: %s", id)
	}
	doc, err := p.Store.GetToken(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: doc}, nil
}

// AccountRoutes are the account function's routes: /account settings (the IP allowlist) and the
// request logs (requestlogs.go).
func (p *Platform) AccountRoutes() []api.Route {
	return append([]api.Route{
		{Method: http.MethodGet, Path: "/account/ip-allowlist", Handler: secretOnly(p.getAllowlist), NoTenant: true, Resource: "account", Action: "get"},
		{Method: http.MethodPut, Path: "/account/ip-allowlist", Handler: secretOnly(p.putAllowlist), NoTenant: true, Resource: "account", Action: "update"},
	}, append(p.RequestLogRoutes(), p.VersionRoutes()...)...)
}

func allowlistView(cidrs []string) map[string]any {
	l := make([]any, len(cidrs))
	for i, c := range cidrs {
		l[i] = c
	}
	return map[string]any{"object": "ip_allowlist", "cidrs": l}
}

func (p *Platform) getAllowlist(r *api.Request) (api.Response, error) {
	acct, err := p.Store.GetAccount(r.Ctx, r.Principal.AccountID)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: allowlistView(acct.IPAllowlist)}, nil
}

// putAllowlist replaces the list. Only a live secret key may change it (it guards live mode),
// and not so that the request making the change would itself be refused.
func (p *Platform) putAllowlist(r *api.Request) (api.Response, error) {
	if r.Principal.Mode != domain.Live {
		return api.Response{}, apperr.New(apperr.Permissions, "The IP allowlist guards live mode; change it with a live secret key.")
	}
	m, err := decodeObject(r.Body, "cidrs")
	if err != nil {
		return api.Response{}, err
	}
	list, ok := m["cidrs"].([]any)
	if !ok {
		return api.Response{}, apperr.Field("cidrs", "is required: a list of CIDRs (an empty list allows every address)")
	}
	if len(list) > auth.MaxAllowlist {
		return api.Response{}, apperr.Field("cidrs", "has %d entries; at most %d are allowed", len(list), auth.MaxAllowlist)
	}
	var bad []apperr.FieldError
	cidrs := []string{}
	seen := map[string]bool{}
	for i, v := range list {
		s, _ := v.(string)
		c, err := auth.NormalizeCIDR(s)
		if err != nil {
			bad = append(bad, apperr.FieldError{Field: "cidrs[" + itoa(i) + "]", Message: err.Error()})
			continue
		}
		if !seen[c] {
			seen[c] = true
			cidrs = append(cidrs, c)
		}
	}
	if len(bad) > 0 {
		return api.Response{}, apperr.Invalid(bad...)
	}
	if ip := r.Event.RequestContext.Identity.SourceIP; !api.IPAllowed(cidrs, ip) {
		return api.Response{}, apperr.Field("cidrs", "would refuse this request's own address %s; include it to avoid locking yourself out", ip)
	}
	if err := p.Store.SetIPAllowlist(r.Ctx, r.Principal.AccountID, cidrs); err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: allowlistView(cidrs)}, nil
}

// DecodeObject reads a JSON object body, refusing fields outside allowed (for the other slices'
// handlers).
func DecodeObject(body []byte, allowed ...string) (map[string]any, error) {
	return decodeObject(body, allowed...)
}
