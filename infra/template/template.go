// Package template reads the SAM template (template.yaml), the single truth about functions,
// routes, the authorizer, gateway responses, usage plans, the table and the queues, into a model
// the local runner serves from. Nothing here repeats a route or a number: it only reads them.
//
// Intrinsic functions (!Ref, !GetAtt, !Sub, short or long form) are kept as Values and resolved
// by the caller with Refs, because their meaning differs between AWS and the local runner.
package template

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Resource types the model understands.
const (
	TypeFunction   = "AWS::Serverless::Function"
	TypeAPI        = "AWS::Serverless::Api"
	TypeUsagePlan  = "AWS::ApiGateway::UsagePlan"
	TypeTable      = "AWS::DynamoDB::Table"
	TypeQueue      = "AWS::SQS::Queue"
	functionSuffix = "Function"
)

// Template is the model of template.yaml.
type Template struct {
	// Parameters maps a parameter name to its default (Refs resolves !Ref Param to it).
	Parameters map[string]string
	// Conditions are the Conditions block's values with every parameter at its default.
	Conditions map[string]bool
	// Resources maps every logical id to its type, including types the model ignores.
	Resources  map[string]string
	Functions  []*Function // sorted by logical id
	API        *API        // the AWS::Serverless::Api; nil when the template has none
	UsagePlans []*UsagePlan
	Table      *Table
	Queues     []*Queue
}

// Function is an AWS::Serverless::Function.
type Function struct {
	LogicalID string // PatientsFunction
	Name      string // patients: the directory under functions/ and the name the local runner's table (infra/local/runner.Functions) knows
	// Env is Globals.Function.Environment.Variables merged with the function's own (its own win).
	Env        map[string]Value
	Timeout    time.Duration
	MemorySize int
	Routes     []Route
	Queues     []QueueEvent
	Schedules  []Schedule
	// Policies are the function's IAM policies (policies.go); infra/iam judges calls by them.
	Policies []Policy
}

// Route is an event of Type Api.
type Route struct {
	Function string // logical id of the function
	Event    string // the event's name (Find, Create, ...)
	Method   string // upper case; ANY matches every method
	Path     string // the resource path, e.g. /patients/{id}
	RestAPI  string // logical id of the API (RestApiId)
	// Authorizer overrides the API's default: "" keeps the default, "NONE" makes the route public.
	Authorizer string
	// APIKeyRequired overrides the API's Auth.ApiKeyRequired when set.
	APIKeyRequired *bool
}

// QueueEvent is an event of Type SQS.
type QueueEvent struct {
	Event                   string
	Queue                   Value // usually !GetAtt SomeQueue.Arn
	BatchSize               int   // SAM's default is 10
	MaximumBatchingWindow   time.Duration
	FunctionResponseTypes   []string
	ReportBatchItemFailures bool // FunctionResponseTypes contains ReportBatchItemFailures
	Enabled                 bool
}

// Schedule is an event of Type ScheduleV2 (EventBridge Scheduler) or Schedule (EventBridge rule).
type Schedule struct {
	Event      string
	Type       string // ScheduleV2 or Schedule
	Expression string // rate(1 minute), cron(...), at(...)
	Timezone   string
	Input      string // the JSON the function receives, when set
	Enabled    bool
}

// API is the AWS::Serverless::Api.
type API struct {
	LogicalID         string
	StageName         Value
	DefaultAuthorizer string // name in Authorizers; "" or "NONE" for none
	APIKeyRequired    bool
	APIKeySource      string // HEADER or AUTHORIZER
	Authorizers       map[string]*Authorizer
	Cors              *Cors // nil when CORS is off
	GatewayResponses  map[string]GatewayResponse
	BinaryMediaTypes  []string
}

// Authorizer is a Lambda authorizer of the API.
type Authorizer struct {
	Name         string
	Function     string // logical id of the authorizer function
	FunctionName string // its name in the local runner's table
	PayloadType  string // REQUEST or TOKEN
	// IdentityHeaders and IdentityQueryStrings are the identity sources: a request missing one is
	// rejected with 401 before the authorizer runs, and their values are the cache key.
	IdentityHeaders      []string
	IdentityQueryStrings []string
	// TTL is ReauthorizeEvery (SAM's default 300 s); 0 disables the result cache.
	TTL time.Duration
}

// Cors is the API's Cors property with SAM's quoting removed ("'*'" -> "*").
type Cors struct {
	AllowOrigin      string
	AllowHeaders     string
	AllowMethods     string
	MaxAge           string
	AllowCredentials bool
}

// GatewayResponse is one entry of GatewayResponses; quoting removed from header values.
type GatewayResponse struct {
	StatusCode int // 0 keeps the response type's default status
	Headers    map[string]string
	Templates  map[string]string // content type -> template
}

// UsagePlan is an AWS::ApiGateway::UsagePlan.
type UsagePlan struct {
	LogicalID string
	Name      string
	Throttle  Throttle
	// MethodThrottles are ApiStages[].Throttle, keyed "resourcePath/METHOD" as in CloudFormation.
	MethodThrottles map[string]Throttle
}

// Throttle is a token bucket: RateLimit tokens a second, BurstLimit at most.
type Throttle struct {
	RateLimit  float64
	BurstLimit int
}

// Queue is an AWS::SQS::Queue.
type Queue struct {
	LogicalID              string
	QueueName              string // "" lets CloudFormation (or the runner) choose
	FIFO                   bool
	DelaySeconds           int
	VisibilityTimeout      int // seconds, SQS's default 30
	MessageRetentionPeriod int // seconds, SQS's default 345600
	ReceiveMessageWait     int
	// DeadLetterQueue is the logical id in RedrivePolicy.deadLetterTargetArn, with MaxReceiveCount.
	DeadLetterQueue string
	MaxReceiveCount int
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	return t, nil
}

// Parse parses template text.
func Parse(b []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fmt.Errorf("template: empty document")
	}
	root, err := asMapping(doc.Content[0], "template")
	if err != nil {
		return nil, err
	}
	t := &Template{Parameters: map[string]string{}, Resources: map[string]string{}}
	params, err := root.sub("Parameters")
	if err != nil {
		return nil, err
	}
	for _, k := range params.keys {
		p, err := params.sub(k)
		if err != nil {
			return nil, err
		}
		if t.Parameters[k], err = p.str("Default"); err != nil {
			return nil, err
		}
	}
	if t.Conditions, err = parseConditions(root, t.Parameters); err != nil { // conditions.go
		return nil, err
	}
	globalEnv, err := globalsEnv(root)
	if err != nil {
		return nil, err
	}
	globalFn, err := globalFunction(root)
	if err != nil {
		return nil, err
	}
	resources, err := root.sub("Resources")
	if err != nil {
		return nil, err
	}
	if len(resources.keys) == 0 {
		return nil, fmt.Errorf("template: no Resources")
	}
	for _, id := range resources.keys {
		if err := t.addResource(resources, id, globalEnv, globalFn); err != nil {
			return nil, err
		}
	}
	sort.Slice(t.Functions, func(i, j int) bool { return t.Functions[i].LogicalID < t.Functions[j].LogicalID })
	sort.Slice(t.UsagePlans, func(i, j int) bool { return t.UsagePlans[i].LogicalID < t.UsagePlans[j].LogicalID })
	sort.Slice(t.Queues, func(i, j int) bool { return t.Queues[i].LogicalID < t.Queues[j].LogicalID })
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// addResource parses the resource id of the kinds the runner uses; others are only recorded.
func (t *Template) addResource(resources mapping, id string, globalEnv map[string]Value, globalFn functionDefaults) error {
	r, err := resources.sub(id)
	if err != nil {
		return err
	}
	typ, err := r.required("Type")
	if err != nil {
		return err
	}
	t.Resources[id] = typ
	props, err := r.sub("Properties")
	if err != nil {
		return err
	}
	switch typ {
	case TypeFunction:
		f, err := parseFunction(id, props, globalEnv, globalFn)
		if err != nil {
			return err
		}
		t.Functions = append(t.Functions, f)
	case TypeAPI:
		if t.API != nil {
			return fmt.Errorf("%s: a second %s (the runner serves one API; found %s too)", resources.at(id), TypeAPI, t.API.LogicalID)
		}
		if t.API, err = parseAPI(id, props); err != nil {
			return err
		}
	case TypeUsagePlan:
		p, err := parseUsagePlan(id, props)
		if err != nil {
			return err
		}
		t.UsagePlans = append(t.UsagePlans, p)
	case TypeTable:
		if t.Table != nil {
			return fmt.Errorf("%s: a second %s (single-table design; found %s too)", resources.at(id), TypeTable, t.Table.LogicalID)
		}
		if t.Table, err = parseTable(id, props); err != nil {
			return err
		}
	case TypeQueue:
		q, err := parseQueue(id, props)
		if err != nil {
			return err
		}
		t.Queues = append(t.Queues, q)
	}
	return nil
}

func globalsEnv(root mapping) (map[string]Value, error) {
	g, err := root.sub("Globals")
	if err != nil {
		return nil, err
	}
	f, err := g.sub("Function")
	if err != nil {
		return nil, err
	}
	return envVars(f)
}

// functionDefaults are the Globals.Function values a function inherits.
type functionDefaults struct {
	timeout, memory int
}

func globalFunction(root mapping) (functionDefaults, error) {
	d := functionDefaults{timeout: 3, memory: 128} // SAM's defaults
	g, err := root.sub("Globals")
	if err != nil {
		return d, err
	}
	f, err := g.sub("Function")
	if err != nil {
		return d, err
	}
	if d.timeout, err = f.integer("Timeout", d.timeout); err != nil {
		return d, err
	}
	d.memory, err = f.integer("MemorySize", d.memory)
	return d, err
}

func envVars(props mapping) (map[string]Value, error) {
	env, err := props.sub("Environment")
	if err != nil {
		return nil, err
	}
	vars, err := env.sub("Variables")
	if err != nil {
		return nil, err
	}
	out := map[string]Value{}
	for _, k := range vars.keys {
		v, _, err := vars.value(k)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// FunctionName turns a function's logical id into its directory name: WebhookDispatchFunction ->
// webhook-dispatch.
func FunctionName(logicalID string) (string, error) {
	base, ok := strings.CutSuffix(logicalID, functionSuffix)
	if !ok || base == "" {
		return "", fmt.Errorf("function %s: logical id must be <Name>%s", logicalID, functionSuffix)
	}
	var b strings.Builder
	rs := []rune(base)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			// A new word starts at an upper-case letter after a lower-case one or before one
			// (SQSPoller -> sqs-poller).
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

func parseFunction(id string, props mapping, globalEnv map[string]Value, d functionDefaults) (*Function, error) {
	name, err := FunctionName(id)
	if err != nil {
		return nil, err
	}
	f := &Function{LogicalID: id, Name: name, Env: map[string]Value{}}
	for k, v := range globalEnv {
		f.Env[k] = v
	}
	own, err := envVars(props)
	if err != nil {
		return nil, err
	}
	for k, v := range own {
		f.Env[k] = v
	}
	timeout, err := props.integer("Timeout", d.timeout)
	if err != nil {
		return nil, err
	}
	if timeout < 1 || timeout > 900 {
		return nil, props.errf("Timeout", "must be 1 to 900 seconds, found %d", timeout)
	}
	f.Timeout = time.Duration(timeout) * time.Second
	if f.MemorySize, err = props.integer("MemorySize", d.memory); err != nil {
		return nil, err
	}
	if f.Policies, err = parsePolicies(props); err != nil {
		return nil, err
	}
	evs, err := props.sub("Events")
	if err != nil {
		return nil, err
	}
	for _, evName := range evs.keys {
		ev, err := evs.sub(evName)
		if err != nil {
			return nil, err
		}
		typ, err := ev.required("Type")
		if err != nil {
			return nil, err
		}
		p, err := ev.sub("Properties")
		if err != nil {
			return nil, err
		}
		switch typ {
		case "Api":
			r, err := parseRoute(id, evName, p)
			if err != nil {
				return nil, err
			}
			f.Routes = append(f.Routes, r)
		case "SQS":
			q, err := parseQueueEvent(evName, p)
			if err != nil {
				return nil, err
			}
			f.Queues = append(f.Queues, q)
		case "Schedule", "ScheduleV2":
			s, err := parseSchedule(evName, typ, p)
			if err != nil {
				return nil, err
			}
			f.Schedules = append(f.Schedules, s)
		default:
			return nil, ev.errf("Type", "event type %q is not supported by the local runner", typ)
		}
	}
	return f, nil
}

var methods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true, "ANY": true}

func parseRoute(fn, event string, p mapping) (Route, error) {
	r := Route{Function: fn, Event: event}
	var err error
	if r.Path, err = p.required("Path"); err != nil {
		return r, err
	}
	if err := checkPath(r.Path); err != nil {
		return r, p.errf("Path", "%v", err)
	}
	m, err := p.required("Method")
	if err != nil {
		return r, err
	}
	r.Method = strings.ToUpper(m)
	if !methods[r.Method] {
		return r, p.errf("Method", "unknown method %q", m)
	}
	if api, ok, err := p.value("RestApiId"); err != nil {
		return r, err
	} else if ok {
		if api.Kind != Ref {
			return r, p.errf("RestApiId", "expected !Ref <Api>, found %s", api)
		}
		r.RestAPI = api.Str
	}
	auth, err := p.sub("Auth")
	if err != nil {
		return r, err
	}
	if r.Authorizer, err = auth.str("Authorizer"); err != nil {
		return r, err
	}
	if auth.has("ApiKeyRequired") {
		b, err := auth.boolean("ApiKeyRequired", false)
		if err != nil {
			return r, err
		}
		r.APIKeyRequired = &b
	}
	return r, nil
}

// checkPath enforces API Gateway's resource path rules the runner relies on.
func checkPath(path string) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("path %q must start with /", path)
	}
	if path == "/" {
		return nil
	}
	segs := strings.Split(path[1:], "/")
	for i, s := range segs {
		switch {
		case s == "":
			return fmt.Errorf("path %q has an empty segment", path)
		case strings.HasPrefix(s, "{") != strings.HasSuffix(s, "}"):
			return fmt.Errorf("path %q: segment %q is not a whole {parameter}", path, s)
		case strings.HasSuffix(s, "+}") && i != len(segs)-1:
			return fmt.Errorf("path %q: a greedy parameter must be the last segment", path)
		case strings.HasPrefix(s, "{") && len(strings.TrimSuffix(s[1:len(s)-1], "+")) == 0:
			return fmt.Errorf("path %q: parameter without a name", path)
		}
	}
	return nil
}

func parseQueueEvent(event string, p mapping) (QueueEvent, error) {
	q := QueueEvent{Event: event}
	v, ok, err := p.value("Queue")
	if err != nil {
		return q, err
	}
	if !ok {
		return q, p.errf("Queue", "required")
	}
	q.Queue = v
	if q.BatchSize, err = p.integer("BatchSize", 10); err != nil {
		return q, err
	}
	if q.BatchSize < 1 || q.BatchSize > 10000 {
		return q, p.errf("BatchSize", "must be 1 to 10000, found %d", q.BatchSize)
	}
	win, err := p.integer("MaximumBatchingWindowInSeconds", 0)
	if err != nil {
		return q, err
	}
	q.MaximumBatchingWindow = time.Duration(win) * time.Second
	if q.FunctionResponseTypes, err = p.strings("FunctionResponseTypes"); err != nil {
		return q, err
	}
	for _, t := range q.FunctionResponseTypes {
		if t != "ReportBatchItemFailures" {
			return q, p.errf("FunctionResponseTypes", "unknown response type %q", t)
		}
		q.ReportBatchItemFailures = true
	}
	q.Enabled, err = p.boolean("Enabled", true)
	return q, err
}

func parseSchedule(event, typ string, p mapping) (Schedule, error) {
	s := Schedule{Event: event, Type: typ}
	var err error
	exprKey := "Schedule"
	if typ == "ScheduleV2" {
		exprKey = "ScheduleExpression"
		if s.Timezone, err = p.str("ScheduleExpressionTimezone"); err != nil {
			return s, err
		}
		state, err := p.str("State")
		if err != nil {
			return s, err
		}
		s.Enabled = state == "" || state == "ENABLED"
	} else {
		if s.Enabled, err = p.boolean("Enabled", true); err != nil {
			return s, err
		}
	}
	if s.Expression, err = p.required(exprKey); err != nil {
		return s, err
	}
	if !strings.HasPrefix(s.Expression, "rate(") && !strings.HasPrefix(s.Expression, "cron(") && !strings.HasPrefix(s.Expression, "at(") {
		return s, p.errf(exprKey, "expected rate(...), cron(...) or at(...), found %q", s.Expression)
	}
	s.Input, err = p.str("Input")
	return s, err
}

func parseAPI(id string, p mapping) (*API, error) {
	a := &API{LogicalID: id, Authorizers: map[string]*Authorizer{}, GatewayResponses: map[string]GatewayResponse{}}
	stage, ok, err := p.value("StageName")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, p.errf("StageName", "required")
	}
	a.StageName = stage
	if a.APIKeySource, err = p.str("ApiKeySourceType"); err != nil {
		return nil, err
	}
	if a.APIKeySource == "" {
		a.APIKeySource = "HEADER"
	}
	if a.BinaryMediaTypes, err = p.strings("BinaryMediaTypes"); err != nil {
		return nil, err
	}
	if a.Cors, err = parseCors(p); err != nil {
		return nil, err
	}
	auth, err := p.sub("Auth")
	if err != nil {
		return nil, err
	}
	if a.DefaultAuthorizer, err = auth.str("DefaultAuthorizer"); err != nil {
		return nil, err
	}
	if a.APIKeyRequired, err = auth.boolean("ApiKeyRequired", false); err != nil {
		return nil, err
	}
	auths, err := auth.sub("Authorizers")
	if err != nil {
		return nil, err
	}
	for _, name := range auths.keys {
		am, err := auths.sub(name)
		if err != nil {
			return nil, err
		}
		az, err := parseAuthorizer(name, am)
		if err != nil {
			return nil, err
		}
		a.Authorizers[name] = az
	}
	grs, err := p.sub("GatewayResponses")
	if err != nil {
		return nil, err
	}
	for _, typ := range grs.keys {
		gm, err := grs.sub(typ)
		if err != nil {
			return nil, err
		}
		gr, err := parseGatewayResponse(gm)
		if err != nil {
			return nil, err
		}
		a.GatewayResponses[typ] = gr
	}
	return a, nil
}

func parseAuthorizer(name string, m mapping) (*Authorizer, error) {
	az := &Authorizer{Name: name}
	arn, ok, err := m.value("FunctionArn")
	if err != nil {
		return nil, err
	}
	if !ok || arn.Kind != GetAtt || arn.Attr != "Arn" {
		return nil, m.errf("FunctionArn", "expected !GetAtt <Name>Function.Arn (the runner invokes template functions only)")
	}
	az.Function = arn.Str
	if az.FunctionName, err = FunctionName(arn.Str); err != nil {
		return nil, m.errf("FunctionArn", "%v", err)
	}
	if az.PayloadType, err = m.str("FunctionPayloadType"); err != nil {
		return nil, err
	}
	if az.PayloadType == "" {
		az.PayloadType = "TOKEN"
	}
	if az.PayloadType != "REQUEST" && az.PayloadType != "TOKEN" {
		return nil, m.errf("FunctionPayloadType", "expected REQUEST or TOKEN, found %q", az.PayloadType)
	}
	id, err := m.sub("Identity")
	if err != nil {
		return nil, err
	}
	if az.PayloadType == "TOKEN" {
		h, err := id.str("Header")
		if err != nil {
			return nil, err
		}
		if h == "" {
			h = "Authorization"
		}
		az.IdentityHeaders = []string{h}
	} else {
		if az.IdentityHeaders, err = id.strings("Headers"); err != nil {
			return nil, err
		}
		if az.IdentityQueryStrings, err = id.strings("QueryStrings"); err != nil {
			return nil, err
		}
	}
	ttl, err := id.integer("ReauthorizeEvery", 300)
	if err != nil {
		return nil, err
	}
	if ttl < 0 || ttl > 3600 {
		return nil, id.errf("ReauthorizeEvery", "must be 0 to 3600 seconds, found %d", ttl)
	}
	az.TTL = time.Duration(ttl) * time.Second
	if az.PayloadType == "REQUEST" && az.TTL > 0 && len(az.IdentityHeaders)+len(az.IdentityQueryStrings) == 0 {
		return nil, id.errf("Headers", "a cached REQUEST authorizer needs at least one identity source")
	}
	return az, nil
}

func parseCors(p mapping) (*Cors, error) {
	n, ok := p.vals["Cors"]
	if !ok {
		return nil, nil
	}
	if n.Kind == yaml.ScalarNode { // Cors: "'*'" is shorthand for AllowOrigin
		return &Cors{AllowOrigin: unquote(n.Value)}, nil
	}
	m, err := p.sub("Cors")
	if err != nil {
		return nil, err
	}
	c := &Cors{}
	for k, dst := range map[string]*string{"AllowOrigin": &c.AllowOrigin, "AllowHeaders": &c.AllowHeaders, "AllowMethods": &c.AllowMethods, "MaxAge": &c.MaxAge} {
		s, err := m.str(k)
		if err != nil {
			return nil, err
		}
		*dst = unquote(s)
	}
	if c.AllowOrigin == "" {
		return nil, m.errf("AllowOrigin", "required")
	}
	c.AllowCredentials, err = m.boolean("AllowCredentials", false)
	return c, err
}

// unquote removes the single quotes API Gateway requires around static header values.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return s[1 : len(s)-1]
	}
	return s
}

func parseGatewayResponse(m mapping) (GatewayResponse, error) {
	gr := GatewayResponse{Headers: map[string]string{}, Templates: map[string]string{}}
	var err error
	if gr.StatusCode, err = m.integer("StatusCode", 0); err != nil {
		return gr, err
	}
	if gr.StatusCode != 0 && (gr.StatusCode < 100 || gr.StatusCode > 599) {
		return gr, m.errf("StatusCode", "not an HTTP status: %d", gr.StatusCode)
	}
	params, err := m.sub("ResponseParameters")
	if err != nil {
		return gr, err
	}
	hs, err := params.sub("Headers")
	if err != nil {
		return gr, err
	}
	for _, k := range hs.keys {
		s, err := hs.str(k)
		if err != nil {
			return gr, err
		}
		if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
			// API Gateway reads an unquoted value as a mapping expression, which gateway
			// responses do not evaluate locally; insist on a static value.
			return gr, hs.errf(k, "header value must be a quoted static value such as \"'*'\", found %q", s)
		}
		gr.Headers[k] = unquote(s)
	}
	ts, err := m.sub("ResponseTemplates")
	if err != nil {
		return gr, err
	}
	for _, k := range ts.keys {
		if gr.Templates[k], err = ts.str(k); err != nil {
			return gr, err
		}
	}
	return gr, nil
}

func parseUsagePlan(id string, p mapping) (*UsagePlan, error) {
	u := &UsagePlan{LogicalID: id, MethodThrottles: map[string]Throttle{}}
	var err error
	if u.Name, err = p.str("UsagePlanName"); err != nil {
		return nil, err
	}
	th, err := p.sub("Throttle")
	if err != nil {
		return nil, err
	}
	if !p.has("Throttle") {
		return nil, p.errf("Throttle", "required (the runner enforces the plan's throttle)")
	}
	if u.Throttle, err = parseThrottle(th); err != nil {
		return nil, err
	}
	stages, err := p.list("ApiStages")
	if err != nil {
		return nil, err
	}
	for _, st := range stages {
		mt, err := st.sub("Throttle")
		if err != nil {
			return nil, err
		}
		for _, key := range mt.keys {
			if i := strings.LastIndex(key, "/"); i <= 0 || !methods[key[i+1:]] || checkPath(key[:i]) != nil {
				return nil, mt.errf(key, "expected \"/resource/path/METHOD\"")
			}
			tm, err := mt.sub(key)
			if err != nil {
				return nil, err
			}
			if u.MethodThrottles[key], err = parseThrottle(tm); err != nil {
				return nil, err
			}
		}
	}
	return u, nil
}

func parseThrottle(m mapping) (Throttle, error) {
	var t Throttle
	var err error
	if !m.has("RateLimit") || !m.has("BurstLimit") {
		return t, fmt.Errorf("%s: RateLimit and BurstLimit are both required", m.path)
	}
	if t.RateLimit, err = m.number("RateLimit", 0); err != nil {
		return t, err
	}
	if t.BurstLimit, err = m.integer("BurstLimit", 0); err != nil {
		return t, err
	}
	if t.RateLimit <= 0 || t.BurstLimit <= 0 {
		return t, fmt.Errorf("%s: RateLimit and BurstLimit must be positive", m.path)
	}
	return t, nil
}

func parseQueue(id string, p mapping) (*Queue, error) {
	q := &Queue{LogicalID: id}
	var err error
	if q.QueueName, err = p.str("QueueName"); err != nil {
		return nil, err
	}
	if q.FIFO, err = p.boolean("FifoQueue", false); err != nil {
		return nil, err
	}
	for k, dst := range map[string]*int{"DelaySeconds": &q.DelaySeconds, "VisibilityTimeout": &q.VisibilityTimeout,
		"MessageRetentionPeriod": &q.MessageRetentionPeriod, "ReceiveMessageWaitTimeSeconds": &q.ReceiveMessageWait} {
		if *dst, err = p.integer(k, -1); err != nil {
			return nil, err
		}
	}
	// SQS's defaults where the template is silent.
	if q.DelaySeconds < 0 {
		q.DelaySeconds = 0
	}
	if q.VisibilityTimeout < 0 {
		q.VisibilityTimeout = 30
	}
	if q.MessageRetentionPeriod < 0 {
		q.MessageRetentionPeriod = 345600
	}
	if q.ReceiveMessageWait < 0 {
		q.ReceiveMessageWait = 0
	}
	rp, err := p.sub("RedrivePolicy")
	if err != nil {
		return nil, err
	}
	if p.has("RedrivePolicy") {
		dlq, ok, err := rp.value("deadLetterTargetArn")
		if err != nil {
			return nil, err
		}
		if !ok || dlq.Kind != GetAtt || dlq.Attr != "Arn" {
			return nil, rp.errf("deadLetterTargetArn", "expected !GetAtt <Queue>.Arn")
		}
		q.DeadLetterQueue = dlq.Str
		if q.MaxReceiveCount, err = rp.integer("maxReceiveCount", 0); err != nil {
			return nil, err
		}
		if q.MaxReceiveCount < 1 {
			return nil, rp.errf("maxReceiveCount", "required, at least 1")
		}
	}
	return q, nil
}

// check validates references between resources.
func (t *Template) check() error {
	fns := map[string]*Function{}
	for _, f := range t.Functions {
		fns[f.LogicalID] = f
	}
	if a := t.API; a != nil {
		if a.DefaultAuthorizer != "" && a.DefaultAuthorizer != "NONE" && a.Authorizers[a.DefaultAuthorizer] == nil {
			return fmt.Errorf("%s: DefaultAuthorizer %q is not in Auth.Authorizers", a.LogicalID, a.DefaultAuthorizer)
		}
		for _, az := range a.Authorizers {
			if fns[az.Function] == nil {
				return fmt.Errorf("%s: authorizer %s: no function %s in the template", a.LogicalID, az.Name, az.Function)
			}
		}
	}
	seen := map[string]string{}
	for _, f := range t.Functions {
		for _, r := range f.Routes {
			where := fmt.Sprintf("%s.Events.%s", f.LogicalID, r.Event)
			if t.API == nil || r.RestAPI != t.API.LogicalID {
				return fmt.Errorf("%s: RestApiId must be !Ref of the template's %s (the runner serves that API only)", where, TypeAPI)
			}
			if r.Authorizer != "" && r.Authorizer != "NONE" && t.API.Authorizers[r.Authorizer] == nil {
				return fmt.Errorf("%s: Auth.Authorizer %q is not in the API's Authorizers", where, r.Authorizer)
			}
			key := r.Method + " " + r.Path
			if prev, dup := seen[key]; dup {
				return fmt.Errorf("%s: route %s is also %s", where, key, prev)
			}
			seen[key] = where
		}
		for _, q := range f.Queues {
			if q.Queue.Kind == GetAtt || q.Queue.Kind == Ref {
				if t.Resources[q.Queue.Str] != TypeQueue {
					return fmt.Errorf("%s.Events.%s: Queue %s is not an %s of the template", f.LogicalID, q.Event, q.Queue, TypeQueue)
				}
			}
		}
	}
	for _, q := range t.Queues {
		if q.DeadLetterQueue != "" && t.Resources[q.DeadLetterQueue] != TypeQueue {
			return fmt.Errorf("%s: dead-letter queue %s is not an %s of the template", q.LogicalID, q.DeadLetterQueue, TypeQueue)
		}
	}
	return nil
}

// Function returns the function with the given name (patients) or logical id (PatientsFunction).
func (t *Template) Function(name string) (*Function, bool) {
	for _, f := range t.Functions {
		if f.Name == name || f.LogicalID == name {
			return f, true
		}
	}
	return nil, false
}

// Routes lists every Api route of every function, sorted by path then method.
func (t *Template) Routes() []Route {
	var out []Route
	for _, f := range t.Functions {
		out = append(out, f.Routes...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// UsagePlan returns the plan with the given logical id.
func (t *Template) UsagePlan(logicalID string) (*UsagePlan, bool) {
	for _, p := range t.UsagePlans {
		if p.LogicalID == logicalID {
			return p, true
		}
	}
	return nil, false
}

// Refs returns the references every template can resolve: parameter defaults and the pseudo
// parameters, plus extra (the runner's table name, queue URLs, ARNs), which win.
func (t *Template) Refs(region, accountID string, extra Refs) Refs {
	r := Refs{"AWS::Region": region, "AWS::AccountId": accountID, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": ""}
	if t.API != nil {
		r[t.API.LogicalID] = "local"
	}
	for k, v := range t.Parameters {
		r[k] = v
	}
	for k, v := range t.Conditions {
		r[conditionRef(k)] = fmt.Sprint(v)
	}
	for _, f := range t.Functions {
		r[f.LogicalID] = f.Name
		r[f.LogicalID+".Arn"] = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, accountID, f.Name)
	}
	for _, p := range t.UsagePlans {
		r[p.LogicalID] = UsagePlanID(p.LogicalID)
	}
	for _, q := range t.Queues {
		// What CloudFormation gives: !Ref is the queue URL; the runner passes its own URLs in extra.
		name := q.QueueName
		if name == "" {
			name = q.LogicalID
		}
		r[q.LogicalID] = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, accountID, name)
		r[q.LogicalID+".Arn"] = fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, accountID, name)
		r[q.LogicalID+".QueueName"] = name
	}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

// UsagePlanID is the id !Ref of a usage plan gives outside AWS (there, API Gateway's own id):
// the logical id in lower case.
func UsagePlanID(logicalID string) string { return strings.ToLower(logicalID) }

// Environment resolves the function's environment variables.
func (f *Function) Environment(refs Refs) (map[string]string, error) {
	out := make(map[string]string, len(f.Env))
	keys := make([]string, 0, len(f.Env))
	for k := range f.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first unresolvable variable in name order, every time
	for _, k := range keys {
		v := f.Env[k]
		s, err := v.Resolve(refs)
		if err != nil {
			return nil, fmt.Errorf("%s: Environment %s: %w", f.LogicalID, k, err)
		}
		out[k] = s
	}
	return out, nil
}
