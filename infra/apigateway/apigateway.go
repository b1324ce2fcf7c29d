// Package apigateway is an embedded stand-in for API Gateway's management API, the part HAPI Hub
// uses: API keys (CreateApiKey, GetApiKey(s), UpdateApiKey, DeleteApiKey), usage plan keys
// (CreateUsagePlanKey, GetUsagePlanKeys, DeleteUsagePlanKey) and usage plans (GetUsagePlans,
// read-only: they come from template.yaml). It speaks API Gateway's REST protocol
// (https://docs.aws.amazon.com/apigateway/latest/api/API_Operations.html), so aws-sdk-go-v2's
// apigateway client and `aws apigateway ... --endpoint-url` work against it unchanged.
//
// The local gateway (infra/local) asks it, in-process, which plans an enabled key value belongs
// to: that is how API Gateway judges an authorizer's usageIdentifierKey
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html).
// State is one JSON file in the data directory, rewritten atomically on every change.
package apigateway

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hapihub/hapihub/infra/template"
)

// Plan is a usage plan as API Gateway describes it (GetUsagePlans).
type Plan struct {
	ID          string
	Name        string
	Description string
	APIID       string
	Stage       string
	Throttle    template.Throttle
	// MethodThrottles are keyed "/resource/path/METHOD".
	MethodThrottles map[string]template.Throttle
}

// PlanID is the local id of the usage plan with this logical id, what !Ref gives locally.
func PlanID(logicalID string) string { return template.UsagePlanID(logicalID) }

// PlansFromTemplate are tpl's usage plans on the API's stage, with local ids (PlanID).
func PlansFromTemplate(tpl *template.Template, apiID, stage string) []Plan {
	out := make([]Plan, 0, len(tpl.UsagePlans))
	for _, p := range tpl.UsagePlans {
		out = append(out, Plan{ID: PlanID(p.LogicalID), Name: p.Name, APIID: apiID, Stage: stage, Throttle: p.Throttle, MethodThrottles: p.MethodThrottles})
	}
	return out
}

// Key is an API key.
type Key struct {
	ID          string `json:"id"`
	Value       string `json:"value"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	CustomerID  string `json:"customerId,omitempty"`
	Enabled     bool   `json:"enabled"`
	Created     int64  `json:"createdDate"`
	Updated     int64  `json:"lastUpdatedDate"`
}

type state struct {
	Keys map[string]*Key `json:"keys"`
	// PlanKeys lists the key ids attached to each plan.
	PlanKeys map[string][]string `json:"planKeys"`
}

// Options configure Open.
type Options struct {
	Now    func() time.Time
	NoSync bool
}

// Service is the embedded API Gateway management API. It is safe for concurrent use.
type Service struct {
	path  string
	opts  Options
	plans []Plan

	mu      sync.Mutex
	st      state
	servers []*http.Server
	loaded  bool // the state came from an earlier run's file
	// byValue finds a key by its value (values are unique): the gateway asks on every request.
	byValue map[string]string
}

// Loaded reports whether the state came from an earlier run (false: new, or in memory).
func (s *Service) Loaded() bool { return s.loaded }

// Open loads (or starts) the state kept in dir, serving plans. An empty dir keeps it in memory.
func Open(dir string, plans []Plan, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{opts: opts, plans: plans, st: state{Keys: map[string]*Key{}, PlanKeys: map[string][]string{}}, byValue: map[string]string{}}
	if dir == "" {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("apigateway: %w", err)
	}
	s.path = filepath.Join(dir, "apigateway.json")
	b, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("apigateway: %w", err)
	default:
		if err := json.Unmarshal(b, &s.st); err != nil {
			return nil, fmt.Errorf("apigateway: %s: %w", s.path, err)
		}
		if s.st.Keys == nil {
			s.st.Keys = map[string]*Key{}
		}
		if s.st.PlanKeys == nil {
			s.st.PlanKeys = map[string][]string{}
		}
		s.loaded = true
		for id, k := range s.st.Keys {
			s.byValue[k.Value] = id
		}
	}
	return s, nil
}

// save writes the state to a temporary file and renames it over the old one: a crash leaves
// either the old state or the new, never half of one. Caller holds mu.
func (s *Service) save() error {
	if s.path == "" {
		return nil
	}
	b, err := json.Marshal(s.st)
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("apigateway: save: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("apigateway: save: %w", err)
	}
	if !s.opts.NoSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("apigateway: save: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("apigateway: save: %w", err)
	}
	return os.Rename(tmp, s.path)
}

// Error is an API Gateway error: its type (the X-Amzn-ErrorType the SDK decodes) and status.
type Error struct {
	Type    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func notFound(msg string) error { return &Error{"NotFoundException", 404, msg} }
func conflict(msg string) error { return &Error{"ConflictException", 409, msg} }
func badRequest(msg string) error {
	return &Error{"BadRequestException", 400, msg}
}

// newID is a 10-character id, as API Gateway's.
func newID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// CreateKey creates an API key. A value already used by another key is a ConflictException, as
// API Gateway refuses duplicate key values; values shorter than 20 characters are refused as
// API Gateway refuses them.
func (s *Service) CreateKey(name, description, value string, enabled bool) (Key, error) {
	if value == "" {
		value = newID() + newID() + newID() + newID()
	}
	if len(value) < 20 || len(value) > 128 {
		return Key{}, badRequest("API Key value should be at least 20 characters and at most 128 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.byValue[value]; dup {
		return Key{}, conflict("API Key already exists")
	}
	now := s.opts.Now().Unix()
	k := &Key{ID: newID(), Value: value, Name: name, Description: description, Enabled: enabled, Created: now, Updated: now}
	s.st.Keys[k.ID] = k
	s.byValue[value] = k.ID
	if err := s.save(); err != nil {
		delete(s.st.Keys, k.ID)
		delete(s.byValue, value)
		return Key{}, err
	}
	return *k, nil
}

// GetKey returns one key.
func (s *Service) GetKey(id string) (Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.st.Keys[id]
	if !ok {
		return Key{}, notFound("Invalid API Key identifier specified")
	}
	return *k, nil
}

// Keys returns every key whose name starts with nameQuery, ordered by id.
func (s *Service) Keys(nameQuery string) []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Key{}
	for _, k := range s.st.Keys {
		if strings.HasPrefix(k.Name, nameQuery) {
			out = append(out, *k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// PatchOp is one of UpdateApiKey's patchOperations.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value string `json:"value"`
}

// UpdateKey applies patch operations: replace of /enabled, /name, /description, /customerId.
func (s *Service) UpdateKey(id string, ops []PatchOp) (Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.st.Keys[id]
	if !ok {
		return Key{}, notFound("Invalid API Key identifier specified")
	}
	next := *k
	for _, op := range ops {
		if op.Op != "replace" {
			return Key{}, badRequest(fmt.Sprintf("Invalid patch operation specified. Must be 'replace' for path %s", op.Path))
		}
		switch op.Path {
		case "/enabled":
			switch op.Value {
			case "true":
				next.Enabled = true
			case "false":
				next.Enabled = false
			default:
				return Key{}, badRequest("Invalid boolean value for /enabled: " + op.Value)
			}
		case "/name":
			next.Name = op.Value
		case "/description":
			next.Description = op.Value
		case "/customerId":
			next.CustomerID = op.Value
		default:
			return Key{}, badRequest("Invalid patch path " + op.Path)
		}
	}
	next.Updated = s.opts.Now().Unix()
	old := *k
	*k = next
	if err := s.save(); err != nil {
		*k = old
		return Key{}, err
	}
	return next, nil
}

// DeleteKey deletes a key and detaches it from every plan.
func (s *Service) DeleteKey(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.st.Keys[id]
	if !ok {
		return notFound("Invalid API Key identifier specified")
	}
	delete(s.st.Keys, id)
	delete(s.byValue, k.Value)
	for p, ids := range s.st.PlanKeys {
		s.st.PlanKeys[p] = without(ids, id)
	}
	return s.save()
}

func without(ids []string, id string) []string {
	out := ids[:0:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

func (s *Service) plan(id string) (Plan, bool) {
	for _, p := range s.plans {
		if p.ID == id {
			return p, true
		}
	}
	return Plan{}, false
}

// Plans returns the usage plans, or those keyID is attached to when keyID is set.
func (s *Service) Plans(keyID string) []Plan {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Plan{}
	for _, p := range s.plans {
		if keyID == "" || contains(s.st.PlanKeys[p.ID], keyID) {
			out = append(out, p)
		}
	}
	return out
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// AttachKey adds a key to a plan (CreateUsagePlanKey). As on API Gateway, a key already in the
// plan is a ConflictException, and so is a key in another plan on the same API stage.
func (s *Service) AttachKey(planID, keyID, keyType string) (Key, error) {
	if keyType != "API_KEY" {
		return Key{}, badRequest("Invalid key type specified: " + keyType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.plan(planID)
	if !ok {
		return Key{}, notFound("Invalid Usage Plan ID specified")
	}
	k, ok := s.st.Keys[keyID]
	if !ok {
		return Key{}, notFound("Invalid API Key identifier specified")
	}
	if contains(s.st.PlanKeys[planID], keyID) {
		return Key{}, conflict("Usage Plan " + planID + " already contains API Key " + keyID)
	}
	for _, other := range s.plans {
		if other.ID != planID && other.APIID == p.APIID && other.Stage == p.Stage && contains(s.st.PlanKeys[other.ID], keyID) {
			return Key{}, conflict(fmt.Sprintf("Usage Plan %s cannot be added because API Key %s cannot reference multiple Usage Plans with the same API Stage: %s:%s", planID, keyID, p.APIID, p.Stage))
		}
	}
	s.st.PlanKeys[planID] = append(s.st.PlanKeys[planID], keyID)
	if err := s.save(); err != nil {
		s.st.PlanKeys[planID] = without(s.st.PlanKeys[planID], keyID)
		return Key{}, err
	}
	return *k, nil
}

// PlanKeys returns the keys of a plan whose name starts with nameQuery, ordered by id.
func (s *Service) PlanKeys(planID, nameQuery string) ([]Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.plan(planID); !ok {
		return nil, notFound("Invalid Usage Plan ID specified")
	}
	out := []Key{}
	for _, id := range s.st.PlanKeys[planID] {
		if k, ok := s.st.Keys[id]; ok && strings.HasPrefix(k.Name, nameQuery) {
			out = append(out, *k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// DetachKey removes a key from a plan (DeleteUsagePlanKey).
func (s *Service) DetachKey(planID, keyID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.plan(planID); !ok {
		return notFound("Invalid Usage Plan ID specified")
	}
	if !contains(s.st.PlanKeys[planID], keyID) {
		return notFound("Invalid API Key identifier specified")
	}
	s.st.PlanKeys[planID] = without(s.st.PlanKeys[planID], keyID)
	return s.save()
}

// PlansOf is how API Gateway judges a usageIdentifierKey: the ids of the plans on the stage that
// an enabled key with this value is attached to (none: the request gets 403).
func (s *Service) PlansOf(apiID, stage, value string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.st.Keys[s.byValue[value]]
	if !ok || !k.Enabled {
		return nil
	}
	var out []string
	for _, p := range s.plans {
		if (p.APIID == apiID || p.APIID == "") && (p.Stage == stage || p.Stage == "") && contains(s.st.PlanKeys[p.ID], k.ID) {
			out = append(out, p.ID)
		}
	}
	return out
}
