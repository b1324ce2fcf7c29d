package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/hapihub/hapihub/infra/template"
)

// Handler serves API Gateway's REST protocol for the operations the package implements. Others
// answer 404 NotFoundException with the operation named, never a fake success.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /apikeys", s.createKey)
	mux.HandleFunc("GET /apikeys", s.getKeys)
	mux.HandleFunc("GET /apikeys/{id}", s.getKey)
	mux.HandleFunc("PATCH /apikeys/{id}", s.updateKey)
	mux.HandleFunc("DELETE /apikeys/{id}", s.deleteKey)
	mux.HandleFunc("GET /usageplans", s.getPlans)
	mux.HandleFunc("POST /usageplans/{plan}/keys", s.createPlanKey)
	mux.HandleFunc("GET /usageplans/{plan}/keys", s.getPlanKeys)
	mux.HandleFunc("DELETE /usageplans/{plan}/keys/{id}", s.deletePlanKey)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, &Error{"NotFoundException", 404, fmt.Sprintf("%s %s is not implemented by the local API Gateway", r.Method, r.URL.Path)})
	})
	return http.MaxBytesHandler(mux, 1<<20)
}

// Listen serves Handler on addr (127.0.0.1:0 for a random port) until ctx ends or Close, and
// returns the endpoint URL.
func (s *Service) Listen(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("apigateway: listen: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops every listener.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, srv := range s.servers {
		errs = append(errs, srv.Close())
	}
	s.servers = nil
	return errors.Join(errs...)
}

// writeErr answers as API Gateway does: the type in X-Amzn-ErrorType, {"message": ...} in the body
// (https://docs.aws.amazon.com/apigateway/latest/api/CommonErrors.html).
func writeErr(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{"InternalServerError", 500, "Internal server error"}
	}
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	b, _ := json.Marshal(map[string]string{"message": e.Message})
	_, _ = w.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return badRequest("Could not read the request body")
	}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest("Invalid JSON in the request body: " + err.Error())
	}
	return nil
}

// keyView is an ApiKey resource; the value only when asked for
// (https://docs.aws.amazon.com/apigateway/latest/api/API_ApiKey.html).
func keyView(k Key, withValue bool) map[string]any {
	v := map[string]any{"id": k.ID, "name": k.Name, "enabled": k.Enabled, "createdDate": k.Created, "lastUpdatedDate": k.Updated,
		"stageKeys": []string{}, "tags": map[string]string{}}
	if k.Description != "" {
		v["description"] = k.Description
	}
	if k.CustomerID != "" {
		v["customerId"] = k.CustomerID
	}
	if withValue {
		v["value"] = k.Value
	}
	return v
}

// page applies limit (default 25, at most 500) and position (an offset here; opaque to clients).
func page[T any](r *http.Request, items []T) ([]T, string, error) {
	limit := 25
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return nil, "", badRequest("limit must be between 1 and 500")
		}
		limit = n
	}
	start := 0
	if p := r.URL.Query().Get("position"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", badRequest("Invalid position")
		}
		start = n
	}
	end := min(len(items), start+limit)
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func list(w http.ResponseWriter, items []any, position string) {
	body := map[string]any{"item": items}
	if position != "" {
		body["position"] = position
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Service) createKey(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Enabled     bool   `json:"enabled"`
		Value       string `json:"value"`
		CustomerID  string `json:"customerId"`
	}
	if err := decode(r, &in); err != nil {
		writeErr(w, err)
		return
	}
	k, err := s.CreateKey(in.Name, in.Description, in.Value, in.Enabled)
	if err == nil && in.CustomerID != "" {
		k, err = s.UpdateKey(k.ID, []PatchOp{{Op: "replace", Path: "/customerId", Value: in.CustomerID}})
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, keyView(k, true))
}

func (s *Service) getKeys(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	keys := s.Keys(q.Get("name"))
	if c := q.Get("customerId"); c != "" {
		keys = filter(keys, func(k Key) bool { return k.CustomerID == c })
	}
	pg, next, err := page(r, keys)
	if err != nil {
		writeErr(w, err)
		return
	}
	withValues := q.Get("includeValues") == "true"
	items := make([]any, len(pg))
	for i, k := range pg {
		items[i] = keyView(k, withValues)
	}
	list(w, items, next)
}

func filter(keys []Key, keep func(Key) bool) []Key {
	out := keys[:0:0]
	for _, k := range keys {
		if keep(k) {
			out = append(out, k)
		}
	}
	return out
}

func (s *Service) getKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.GetKey(r.PathValue("id"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, keyView(k, r.URL.Query().Get("includeValue") == "true"))
}

func (s *Service) updateKey(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PatchOperations []PatchOp `json:"patchOperations"`
	}
	if err := decode(r, &in); err != nil {
		writeErr(w, err)
		return
	}
	k, err := s.UpdateKey(r.PathValue("id"), in.PatchOperations)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, keyView(k, false))
}

func (s *Service) deleteKey(w http.ResponseWriter, r *http.Request) {
	if err := s.DeleteKey(r.PathValue("id")); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// planView is a UsagePlan resource (https://docs.aws.amazon.com/apigateway/latest/api/API_UsagePlan.html).
func planView(p Plan) map[string]any {
	th := func(t template.Throttle) map[string]any {
		return map[string]any{"rateLimit": t.RateLimit, "burstLimit": t.BurstLimit}
	}
	methods := map[string]any{}
	for k, t := range p.MethodThrottles {
		methods[k] = th(t)
	}
	stage := map[string]any{"apiId": p.APIID, "stage": p.Stage}
	if len(methods) > 0 {
		stage["throttle"] = methods
	}
	v := map[string]any{"id": p.ID, "name": p.Name, "apiStages": []any{stage}, "tags": map[string]string{}}
	if p.Throttle.RateLimit > 0 || p.Throttle.BurstLimit > 0 {
		v["throttle"] = th(p.Throttle)
	}
	if p.Description != "" {
		v["description"] = p.Description
	}
	return v
}

func (s *Service) getPlans(w http.ResponseWriter, r *http.Request) {
	plans := s.Plans(r.URL.Query().Get("keyId"))
	pg, next, err := page(r, plans)
	if err != nil {
		writeErr(w, err)
		return
	}
	items := make([]any, len(pg))
	for i, p := range pg {
		items[i] = planView(p)
	}
	list(w, items, next)
}

// planKeyView is a UsagePlanKey resource: the key's id, name, type and value.
func planKeyView(k Key) map[string]any {
	return map[string]any{"id": k.ID, "name": k.Name, "type": "API_KEY", "value": k.Value}
}

func (s *Service) createPlanKey(w http.ResponseWriter, r *http.Request) {
	var in struct {
		KeyID   string `json:"keyId"`
		KeyType string `json:"keyType"`
	}
	if err := decode(r, &in); err != nil {
		writeErr(w, err)
		return
	}
	k, err := s.AttachKey(r.PathValue("plan"), in.KeyID, in.KeyType)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, planKeyView(k))
}

func (s *Service) getPlanKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.PlanKeys(r.PathValue("plan"), r.URL.Query().Get("name"))
	if err != nil {
		writeErr(w, err)
		return
	}
	pg, next, err := page(r, keys)
	if err != nil {
		writeErr(w, err)
		return
	}
	items := make([]any, len(pg))
	for i, k := range pg {
		items[i] = planKeyView(k)
	}
	list(w, items, next)
}

func (s *Service) deletePlanKey(w http.ResponseWriter, r *http.Request) {
	if err := s.DetachKey(r.PathValue("plan"), r.PathValue("id")); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
