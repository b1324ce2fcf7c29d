package pages

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/store/logstore"
)

func init() {
	register("GET /logs", logs)
	register("GET /logs/{id}", logDetail)
}

// logsWindow is how far back the logs page reads: the API keeps request logs 7 days.
const logsWindow = logstore.RequestLogTTL

// logMethods are the methods the filter offers (the API's).
var logMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// logStatusClasses are the status filter's classes; a 3-digit code is accepted as well.
var logStatusClasses = []struct{ Value, Label string }{
	{"2xx", "2xx succeeded"}, {"4xx", "4xx refused"}, {"5xx", "5xx failed"},
}

type logsData struct {
	Logs  []hapihub.RequestLog
	Pager pager
	// The filters as asked.
	Status, Method, Key string
	// Request is a Request-Id asked for that is not one.
	Request  string
	Methods  []string
	Classes  any
	Filtered bool
	ListErr  bool
}

// logFilter reads the page's query into the API's filter; a bad filter is a field error.
func logFilter(q url.Values, now time.Time) (hapihub.RequestLogFilter, error) {
	f := hapihub.RequestLogFilter{CreatedFrom: now.Add(-logsWindow), Total: true}
	var bad []hapihub.FieldError
	switch s := strings.ToLower(strings.TrimSpace(q.Get("status"))); {
	case s == "":
	case len(s) == 3 && s[1:] == "xx" && s[0] >= '1' && s[0] <= '5':
		lo := int(s[0]-'0') * 100
		f.StatusMin, f.StatusMax = lo, lo+99
	default:
		code, err := strconv.Atoi(s)
		if err != nil || code < 100 || code > 599 {
			bad = append(bad, field("status", "use a class (2xx, 4xx, 5xx) or a status code such as 404"))
		} else {
			f.Status = code
		}
	}
	if m := strings.ToUpper(strings.TrimSpace(q.Get("method"))); m != "" {
		ok := false
		for _, x := range logMethods {
			ok = ok || x == m
		}
		if !ok {
			bad = append(bad, field("method", "choose GET, POST, PUT, PATCH or DELETE"))
		}
		f.Method = m
	}
	if k := strings.TrimSpace(q.Get("key")); k != "" {
		if !strings.HasPrefix(k, "key_") {
			bad = append(bad, field("key", "an API key id starts with key_ (see the API keys page)"))
		}
		f.KeyID = k
	}
	if len(bad) > 0 {
		return f, invalid(bad...)
	}
	return f, nil
}

// requestIDPrefix starts every request log id, which is also the Request-Id the API answers
// with and the event id of its errors.
const requestIDPrefix = "req_"

func logs(c *Call) error {
	q := c.R.URL.Query()
	// A Request-Id typed in the lookup box opens that request's log.
	if id := strings.TrimSpace(q.Get("request")); id != "" {
		if !strings.HasPrefix(id, requestIDPrefix) || strings.ContainsAny(id, "/?#") {
			d := logsData{Methods: logMethods, Classes: logStatusClasses, Request: id, ListErr: true}
			return c.Render(http.StatusBadRequest, "logs.html", View{Title: "Logs", Active: "/logs", Data: d,
				Err: invalid(field("request", "a Request-Id starts with req_ (the API's Request-Id response header, or an error's event)"))})
		}
		return c.Redirect("/logs/"+url.PathEscape(id), "")
	}
	d := logsData{Status: q.Get("status"), Method: strings.ToUpper(q.Get("method")), Key: q.Get("key"), Methods: logMethods, Classes: logStatusClasses}
	d.Filtered = d.Status != "" || d.Method != "" || d.Key != ""
	v := View{Title: "Logs", Active: "/logs"}
	f, err := logFilter(q, c.Now())
	if err != nil {
		v.Err, d.ListErr, v.Data = err, true, d
		return c.Render(http.StatusBadRequest, "logs.html", v)
	}
	f.Limit, f.Skip = pageParams(q)
	page, err := c.API.RequestLogs.List(c.Ctx(), &f)
	if err != nil {
		v.Err, d.ListErr, v.Data = err, true, d
		return c.Render(apiStatusOK(err), "logs.html", v)
	}
	d.Logs = page.Data
	d.Pager = newPager(c, "/logs", f.Limit, f.Skip, len(page.Data), page.Total)
	v.Data = d
	return c.Render(http.StatusOK, "logs.html", v)
}

// logStatusPill colours a status: 2xx green, 4xx amber, 5xx red.
func logStatusPill(status int) string {
	switch {
	case status >= 500:
		return "pill pill-bad"
	case status >= 400:
		return "pill pill-warn"
	case status >= 200 && status < 300:
		return "pill pill-ok"
	}
	return "pill"
}

// keyLabel says which key made a request: the console member for a session key, else the key's
// type (its id is shown next to it).
func keyLabel(l hapihub.RequestLog) string {
	if l.Session != "" {
		return "Console: " + l.Session
	}
	return l.KeyType
}

// Pill colours a status.
func (logsData) Pill(status int) string { return logStatusPill(status) }

// KeyLabel says which key made a request.
func (logsData) KeyLabel(l hapihub.RequestLog) string { return keyLabel(l) }

type logData struct {
	Log *hapihub.RequestLog
}

// Pill colours the log's status.
func (d logData) Pill() string { return logStatusPill(d.Log.Status) }

// KeyLabel says which key made the request.
func (d logData) KeyLabel() string { return keyLabel(*d.Log) }

// Duration is the request's duration for people.
func (d logData) Duration() string {
	return (time.Duration(d.Log.DurationMs) * time.Millisecond).String()
}

func logDetail(c *Call) error {
	id := c.R.PathValue("id")
	l, err := c.API.RequestLogs.Get(c.Ctx(), id)
	if err != nil {
		return c.Render(apiStatusOK(err), "log.html", View{Title: "Request " + id, Active: "/logs", Err: err, Data: logData{}})
	}
	return c.Render(http.StatusOK, "log.html", View{Title: l.Method + " " + l.Path, Active: "/logs", Data: logData{Log: l}})
}
