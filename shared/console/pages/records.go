package pages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// An object's page reads like a record: its name as the title, its fields with dates as dates
// and tags as chips, the objects that refer to it (a patient's appointments, invoices and
// messages), the events about it and the requests that touched it, then its JSON.

// relatedLimit is how many objects of each related list the page shows (the list says how many
// there are in all).
const relatedLimit = 10

// historyScan is how many of the newest events and request logs the page looks through for the
// object's own: the API filters neither by object, so a busy account's older history of the
// object is left to the Events and Logs pages (the page says so).
const historyScan = 100

// objectField is one field of an object's page (nested fields flattened with dots).
type objectField struct {
	Name  string
	Value string
	Time  int64    // a time: shown as a date and time, and how long ago
	Chips []string // a list of short strings (tags), shown as chips
	Href  string
	Mono  bool
}

// relatedList is one list of objects that refer to the page's object.
type relatedList struct {
	Tab   sandboxTab
	Rows  []row
	Total *int
	Err   error
}

// More says the list shows only the first objects of Total.
func (l relatedList) More() bool { return l.Total != nil && *l.Total > len(l.Rows) }

type sandboxObjectData struct {
	Tab     sandboxTab
	ID      string
	Name    string // the object's title: the patient's name, the appointment's time...
	Status  string
	JSON    string
	Fields  []objectField
	Related []relatedList
	Events  []hapihub.Event
	Logs    []hapihub.RequestLog
	// HistoryErr: the events or logs could not be read (a restricted role, the API down).
	HistoryErr string
	Scan       int
	Org        string
}

// OrgQuery is the ?org= the page's links carry in live mode.
func (d sandboxObjectData) OrgQuery() string { return orgQuery(d.Org) }

// EventType is the pattern of the object's event types (patient.*).
func (d sandboxObjectData) EventType() string { return singular(d.Tab.Name) + ".*" }

// Pill colours a request log's status.
func (sandboxObjectData) Pill(status int) string { return logStatusPill(status) }

func sandboxObject(c *Call) error {
	t, ok := findTab(c.R.PathValue("resource"))
	if !ok {
		return c.Render(http.StatusNotFound, "error.html", View{Title: "Not found", Err: userErr("There is no %q in the sandbox.", c.R.PathValue("resource"))})
	}
	id := c.R.PathValue("id")
	d := sandboxObjectData{Tab: t, ID: id, Scan: historyScan}
	v := View{Title: t.Label + " · " + id, Active: "/sandbox"}
	// Live mode: the organization of ?org=, else the first, as the list picks it.
	var sd sandboxData
	opts, err := sandboxOrg(c, &sd)
	if err != nil {
		v.Err, v.Data = err, d
		return c.Render(apiStatusOK(err), "sandbox_object.html", v)
	}
	d.Org = sd.Org
	obj, name, err := t.get(c, id, opts)
	if err != nil {
		v.Err, v.Data = err, d
		return c.Render(apiStatusOK(err), "sandbox_object.html", v)
	}
	m, err := objectJSON(obj, &d)
	if err != nil {
		return fmt.Errorf("console: %s %s: %w", t.Name, id, err)
	}
	d.Name = name
	if d.Name == "" {
		d.Name = t.Label + " " + id
	}
	d.Status, _ = m["status"].(string)
	d.Fields = flatten(c, "", m, d.Org)
	d.Related = related(c, t, id, d.Org, opts)
	d.Events, d.Logs, d.HistoryErr = history(c, t, id)
	v.Title, v.Data = d.Name, d
	return c.Render(http.StatusOK, "sandbox_object.html", v)
}

// objectJSON fills d.JSON with the object, indented, and returns it decoded (numbers kept
// exact) for the fields.
func objectJSON(obj any, d *sandboxObjectData) (map[string]any, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("indent: %w", err)
	}
	d.JSON = pretty.String()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return m, nil
}

// related reads the first objects of each list that refers to the object (one call each, with
// the total).
func related(c *Call, t sandboxTab, id, org string, opts []hapihub.RequestOption) []relatedList {
	var out []relatedList
	for _, r := range t.related {
		rt, ok := findTab(r.Resource)
		if !ok {
			continue
		}
		q := hapihub.Where(hapihub.Eq(r.Field, id)).Limit(relatedLimit).WithTotal()
		rows, total, err := rt.list(c, q, opts)
		linkRows(c, rt, rows, org)
		rt, rows = dropColumn(rt, rows, r.Column)
		out = append(out, relatedList{Tab: rt, Rows: rows, Total: total, Err: err})
	}
	return out
}

// dropColumn leaves the named column out of a tab's table.
func dropColumn(t sandboxTab, rows []row, column string) (sandboxTab, []row) {
	i := -1
	for j, c := range t.Columns {
		if c == column {
			i = j
		}
	}
	if i < 0 {
		return t, rows
	}
	t.Columns = append(append([]string(nil), t.Columns[:i]...), t.Columns[i+1:]...)
	for j := range rows {
		if i < len(rows[j].Cells) {
			rows[j].Cells = append(append([]cell(nil), rows[j].Cells[:i]...), rows[j].Cells[i+1:]...)
		}
	}
	return t, rows
}

// history finds the object's events (by the object's id in the newest events of its type) and
// the requests that touched it (its path, or the request an event names) among the newest
// request logs.
func history(c *Call, t sandboxTab, id string) ([]hapihub.Event, []hapihub.RequestLog, string) {
	evs, err := c.API.Events.List(c.Ctx(), hapihub.Where(hapihub.Eq("type", singular(t.Name)+".*")).Limit(historyScan))
	if err != nil {
		return nil, nil, "The object's events and requests could not be read: " + apiMessage(err)
	}
	var events []hapihub.Event
	requests := map[string]bool{}
	for _, e := range evs.Data {
		if objectID(e) == id {
			events = append(events, e)
			if e.Request.ID != "" {
				requests[e.Request.ID] = true
			}
		}
	}
	f := hapihub.RequestLogFilter{CreatedFrom: c.Now().Add(-logsWindow), Limit: historyScan}
	logs, err := c.API.RequestLogs.List(c.Ctx(), &f)
	if err != nil {
		return events, nil, "The requests could not be read: " + apiMessage(err)
	}
	path := "/" + t.Name + "/" + id
	var mine []hapihub.RequestLog
	for _, l := range logs.Data {
		if l.Path == path || strings.HasPrefix(l.Path, path+"/") || requests[l.ID] || requests[l.RequestID] {
			mine = append(mine, l)
		}
	}
	return events, mine, ""
}

// singular is the event prefix of a resource (patients -> patient).
func singular(resource string) string { return strings.TrimSuffix(resource, "s") }

// refFields are the id fields that name another sandbox object.
var refFields = map[string]string{"patientId": "patients", "practitionerId": "practitioners"}

// flatten lists an object's fields in name order, nested objects as dotted names, times as
// times, lists of strings as chips and references as links.
func flatten(c *Call, prefix string, m map[string]any, org string) []objectField {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []objectField
	for _, k := range keys {
		if x, ok := m[k].(map[string]any); ok && len(x) > 0 {
			out = append(out, flatten(c, prefix+k+".", x, org)...)
			continue
		}
		out = append(out, fieldOf(c, prefix+k, k, m[k], org))
	}
	return out
}

// fieldOf shows one value; k is the field's own name (its type shows in it: ...At, ...Id).
func fieldOf(c *Call, name, k string, v any, org string) objectField {
	switch x := v.(type) {
	case map[string]any:
		return objectField{Name: name, Value: "{}"}
	case []any:
		if chips, ok := strs(x); ok {
			return objectField{Name: name, Chips: chips, Value: "—"}
		}
		b, _ := json.Marshal(x)
		return objectField{Name: name, Value: string(b), Mono: true}
	case json.Number:
		ms, err := x.Int64()
		switch {
		case err == nil && k == "dateOfBirth":
			return objectField{Name: name, Value: date(&ms)}
		case err == nil && strings.HasSuffix(k, "At"):
			return objectField{Name: name, Value: time.UnixMilli(ms).UTC().Format("Mon 2 Jan 2006, 15:04:05 UTC"), Time: ms}
		}
		return objectField{Name: name, Value: x.String()}
	case string:
		f := objectField{Name: name, Value: x, Mono: k == "id" || strings.HasSuffix(k, "Id")}
		if res, ok := refFields[k]; ok && x != "" {
			f.Href = c.Mount + "/sandbox/" + res + "/" + url.PathEscape(x) + orgQuery(org)
		}
		return f
	}
	return objectField{Name: name, Value: fmt.Sprint(v)}
}

// strs is a list of strings as such (false when anything else is in it).
func strs(x []any) ([]string, bool) {
	out := make([]string, 0, len(x))
	for _, e := range x {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
