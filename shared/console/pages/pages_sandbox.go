package pages

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox/jobq"
	"github.com/hapihub/hapihub/shared/schema"
)

func init() {
	register("GET /sandbox", sandboxList)
	register("GET /sandbox/{resource}", sandboxList)
	register("GET /sandbox/{resource}/{id}", sandboxObject)
	register("POST /sandbox/reset", resetSandbox)
}

// cell is one table cell; the first set field decides how it shows.
type cell struct {
	Text string
	Mono bool
	Time int64  // Unix ms, shown relative with the absolute time in its title
	Pill string // a status, shown as a pill
	Href string // a link around Text
	Sub  string // a second, muted line under Text
}

// PillClass is the CSS class of a status cell.
func (c cell) PillClass() string { return statusPill(c.Pill) }

// row is one object of a table.
type row struct {
	ID    string
	Href  string
	Cells []cell
}

// sandboxTab is one clinical resource of the sandbox page.
type sandboxTab struct {
	Name, Label string
	Columns     []string
	// Searchable: the resource has fields $search looks in (else the search box is hidden).
	Searchable bool
	// list reads one page and turns it into rows; get reads one object.
	list func(c *Call, q *hapihub.Query, opts []hapihub.RequestOption) ([]row, *int, error)
	get  func(c *Call, id string, opts []hapihub.RequestOption) (any, string, error)
	// related are the lists an object's page shows below its fields (a patient's appointments...).
	related []relation
}

// relation is a list of other objects that refer to this tab's object by Field; Column is the
// column that shows the reference, left out (it would name the page's object on every row).
type relation struct {
	Resource, Field, Column string
}

// lister is what the SDK's clinical services offer to read.
type lister[T any] interface {
	List(ctx context.Context, q *hapihub.Query, opts ...hapihub.RequestOption) (*hapihub.List[T], error)
	Get(ctx context.Context, id string, opts ...hapihub.RequestOption) (*T, error)
}

// tab builds a sandboxTab over one SDK service; rows turns a page into table rows (it may call
// the API again, for the names a page refers to).
func tab[T any](name, label string, columns []string, svc func(*hapihub.Client) lister[T],
	rows func(c *Call, items []T, opts []hapihub.RequestOption) []row, title func(*T) string, related ...relation) sandboxTab {
	searchable := false
	if res, ok := schema.Lookup(name); ok {
		searchable = len(res.SearchableFields()) > 0
	}
	return sandboxTab{Name: name, Label: label, Columns: columns, Searchable: searchable,
		list: func(c *Call, q *hapihub.Query, opts []hapihub.RequestOption) ([]row, *int, error) {
			l, err := svc(c.API).List(c.Ctx(), q, opts...)
			if err != nil {
				return nil, nil, err
			}
			return rows(c, l.Data, opts), l.Total, nil
		},
		get: func(c *Call, id string, opts []hapihub.RequestOption) (any, string, error) {
			obj, err := svc(c.API).Get(c.Ctx(), id, opts...)
			if err != nil {
				return nil, "", err
			}
			return obj, title(obj), nil
		}, related: related}
}

var sandboxTabs = []sandboxTab{
	tab("patients", "Patients", []string{"Name", "Date of birth", "Contact", "Status"},
		func(a *hapihub.Client) lister[hapihub.Patient] { return a.Patients },
		func(c *Call, items []hapihub.Patient, _ []hapihub.RequestOption) []row {
			out := make([]row, len(items))
			for i, p := range items {
				out[i] = row{ID: p.ID, Cells: []cell{{Text: personName(p.FirstName, p.PreferredName, p.LastName)}, {Text: date(p.DateOfBirth)},
					{Text: dash(p.Email), Sub: p.Phone}, {Pill: p.Status}}}
			}
			return out
		},
		func(p *hapihub.Patient) string { return personName(p.FirstName, p.PreferredName, p.LastName) },
		relation{"appointments", "patientId", "Patient"}, relation{"invoices", "patientId", "Patient"},
		relation{"messages", "patientId", "Patient"}),
	tab("practitioners", "Practitioners", []string{"Name", "Specialty", "Contact", "Active"},
		func(a *hapihub.Client) lister[hapihub.Practitioner] { return a.Practitioners },
		func(c *Call, items []hapihub.Practitioner, _ []hapihub.RequestOption) []row {
			out := make([]row, len(items))
			for i, p := range items {
				active := "active"
				if p.Active != nil && !*p.Active {
					active = "inactive"
				}
				out[i] = row{ID: p.ID, Cells: []cell{{Text: strings.TrimSpace(p.Title + " " + personName(p.FirstName, "", p.LastName))},
					{Text: dash(p.Specialty)}, {Text: dash(p.Email), Sub: p.Phone}, {Pill: active}}}
			}
			return out
		},
		func(p *hapihub.Practitioner) string {
			return strings.TrimSpace(p.Title + " " + personName(p.FirstName, "", p.LastName))
		},
		relation{"appointments", "practitionerId", "Practitioner"}),
	tab("appointments", "Appointments", []string{"Starts", "Practitioner", "Patient", "Reason", "Status"},
		func(a *hapihub.Client) lister[hapihub.Appointment] { return a.Appointments },
		func(c *Call, items []hapihub.Appointment, opts []hapihub.RequestOption) []row {
			var pats, pracs []string
			for _, a := range items {
				pats, pracs = append(pats, a.PatientID), append(pracs, a.PractitionerID)
			}
			pn, prn := patientNames(c, pats, opts), practitionerNames(c, pracs, opts)
			out := make([]row, len(items))
			for i, a := range items {
				out[i] = row{ID: a.ID, Cells: []cell{{Text: when(a.StartsAt)},
					refCell(c, "practitioners", a.PractitionerID, prn), refCell(c, "patients", a.PatientID, pn),
					{Text: dash(a.Reason)}, {Pill: a.Status}}}
			}
			return out
		},
		func(a *hapihub.Appointment) string { return "Appointment, " + when(a.StartsAt) }),
	tab("messages", "Messages", []string{"Patient", "Direction", "Channel", "Title", "Read", "Created"},
		func(a *hapihub.Client) lister[hapihub.Message] { return a.Messages },
		func(c *Call, items []hapihub.Message, opts []hapihub.RequestOption) []row {
			var pats []string
			for _, m := range items {
				pats = append(pats, m.PatientID)
			}
			pn := patientNames(c, pats, opts)
			out := make([]row, len(items))
			for i, m := range items {
				read := "unread"
				if m.Read != nil && *m.Read {
					read = "read"
				}
				title := m.Title
				if title == "" {
					title = truncate(m.Text, 60)
				}
				out[i] = row{ID: m.ID, Cells: []cell{refCell(c, "patients", m.PatientID, pn), {Text: m.Direction}, {Text: m.Channel},
					{Text: dash(title)}, {Text: read}, {Time: m.CreatedAt}}}
			}
			return out
		},
		func(m *hapihub.Message) string {
			if m.Title != "" {
				return m.Title
			}
			return "Message: " + truncate(m.Text, 60)
		}),
	tab("invoices", "Invoices", []string{"Invoice", "Patient", "Total", "Paid", "Status", "Due"},
		func(a *hapihub.Client) lister[hapihub.Invoice] { return a.Invoices },
		func(c *Call, items []hapihub.Invoice, opts []hapihub.RequestOption) []row {
			var pats []string
			for _, inv := range items {
				pats = append(pats, inv.PatientID)
			}
			pn := patientNames(c, pats, opts)
			out := make([]row, len(items))
			for i, inv := range items {
				number := inv.ExternalID // the id is in the ID column
				if number == "" {
					number = "—"
				}
				paid := "—"
				if inv.AmountPaid != nil {
					paid = money(*inv.AmountPaid, inv.Currency)
				}
				due := cell{Text: "—"}
				if inv.DueAt != nil {
					due = cell{Time: *inv.DueAt}
				}
				out[i] = row{ID: inv.ID, Cells: []cell{{Text: number, Mono: true}, refCell(c, "patients", inv.PatientID, pn),
					{Text: money(inv.Total, inv.Currency)}, {Text: paid}, {Pill: inv.Status}, due}}
			}
			return out
		},
		func(inv *hapihub.Invoice) string {
			if inv.ExternalID != "" {
				return "Invoice " + inv.ExternalID
			}
			return "Invoice"
		}),
}

func findTab(name string) (sandboxTab, bool) {
	for _, t := range sandboxTabs {
		if t.Name == name {
			return t, true
		}
	}
	return sandboxTab{}, false
}

// patientNames and practitionerNames read the names a page refers to in one call each; a
// failure leaves the ids showing.
func patientNames(c *Call, ids []string, opts []hapihub.RequestOption) map[string]string {
	out := map[string]string{}
	ids = uniq(ids)
	if len(ids) == 0 {
		return out
	}
	l, err := c.API.Patients.List(c.Ctx(), hapihub.Where(hapihub.In("id", ids...)).Select("firstName", "lastName", "preferredName").Limit(len(ids)), opts...)
	if err != nil {
		return out
	}
	for _, p := range l.Data {
		out[p.ID] = personName(p.FirstName, p.PreferredName, p.LastName)
	}
	return out
}

func practitionerNames(c *Call, ids []string, opts []hapihub.RequestOption) map[string]string {
	out := map[string]string{}
	ids = uniq(ids)
	if len(ids) == 0 {
		return out
	}
	l, err := c.API.Practitioners.List(c.Ctx(), hapihub.Where(hapihub.In("id", ids...)).Select("title", "firstName", "lastName").Limit(len(ids)), opts...)
	if err != nil {
		return out
	}
	for _, p := range l.Data {
		out[p.ID] = strings.TrimSpace(p.Title + " " + personName(p.FirstName, "", p.LastName))
	}
	return out
}

// refCell links to a referenced object, by name when the page could read it.
func refCell(c *Call, resource, id string, names map[string]string) cell {
	if id == "" {
		return cell{Text: "—"}
	}
	href := c.Mount + "/sandbox/" + resource + "/" + url.PathEscape(id) + orgQuery(c.R.URL.Query().Get("org"))
	if n := names[id]; n != "" {
		return cell{Text: n, Href: href}
	}
	return cell{Text: id, Href: href, Mono: true}
}

func uniq(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func personName(first, preferred, last string) string {
	if preferred != "" && preferred != first {
		first += " (" + preferred + ")"
	}
	return strings.TrimSpace(first + " " + last)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// date shows a date of birth (Unix ms at UTC midnight).
func date(ms *int64) string {
	if ms == nil {
		return "—"
	}
	return time.UnixMilli(*ms).UTC().Format("2 Jan 2006")
}

// when shows an appointment's start as a clinic would read it.
func when(ms int64) string {
	if ms == 0 {
		return "—"
	}
	return time.UnixMilli(ms).UTC().Format("Mon 2 Jan 2006, 15:04 UTC")
}

// zeroDecimal are ISO 4217 currencies without minor units: their amounts are not divided.
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true, "VND": true, "CLP": true, "ISK": true, "UGX": true, "XAF": true, "XOF": true}

// money shows an amount in the currency's smallest unit as "USD 12.50".
func money(amount int64, currency string) string {
	cur := strings.ToUpper(currency)
	if zeroDecimal[cur] {
		return fmt.Sprintf("%s %d", cur, amount)
	}
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	return fmt.Sprintf("%s %s%d.%02d", cur, sign, amount/100, amount%100)
}

func orgQuery(org string) string {
	if org == "" {
		return ""
	}
	return "?org=" + url.QueryEscape(org)
}

type sandboxData struct {
	// Clinic is the test-mode clinic's name.
	Clinic string
	// Reset is the sandbox's reset while it is queued or running (progress shown above the data).
	Reset  *hapihub.SandboxReset
	Tabs   []sandboxTab
	Tab    sandboxTab
	Rows   []row
	Pager  pager
	Search string
	// Live mode: the organizations the account is connected to and the one shown.
	Live    bool
	Orgs    []hapihub.Organization
	Org     string
	OrgName string
	// NoOrgs: live mode without a connected organization.
	NoOrgs  bool
	ListErr bool
}

// OrgQuery is the ?org= the page's links carry in live mode.
func (d sandboxData) OrgQuery() string { return orgQuery(d.Org) }

// organization picks the organization a live page shows: ?org= when the account reaches it,
// else the first. Test mode has one organization, the sandbox, which needs no header.
func sandboxOrg(c *Call, d *sandboxData) ([]hapihub.RequestOption, error) {
	if c.Session.Mode != domain.Live {
		return nil, nil
	}
	d.Live = true
	orgs, err := c.API.Organizations.List(c.Ctx(), hapihub.NewQuery().Limit(maxPageSize))
	if err != nil {
		return nil, err
	}
	d.Orgs = orgs.Data
	sort.SliceStable(d.Orgs, func(i, j int) bool { return d.Orgs[i].Name < d.Orgs[j].Name })
	if len(d.Orgs) == 0 {
		d.NoOrgs = true
		return nil, nil
	}
	want := c.R.URL.Query().Get("org")
	chosen := d.Orgs[0]
	for _, o := range d.Orgs {
		if o.ID == want {
			chosen = o
		}
	}
	d.Org, d.OrgName = chosen.ID, chosen.Name
	return []hapihub.RequestOption{hapihub.ForOrganization(chosen.ID)}, nil
}

func sandboxList(c *Call) error {
	return sandboxPage(c, http.StatusOK, nil, "")
}

// sandboxPage renders a tab; err (a refused reset) shows in place above it.
func sandboxPage(c *Call, status int, viewErr error, notice string) error {
	name := c.R.PathValue("resource")
	if name == "" {
		name = "patients"
	}
	t, ok := findTab(name)
	if !ok {
		return c.Render(http.StatusNotFound, "error.html", View{Title: "Not found", Err: userErr("There is no %q in the sandbox.", name)})
	}
	v := View{Title: "Sandbox · " + t.Label, Active: "/sandbox", Err: viewErr, Notice: notice}
	d := sandboxData{Clinic: jobq.Name, Tabs: sandboxTabs, Tab: t}
	if c.Session.Mode != domain.Live {
		// A reset runs off the request: show its progress until it has finished. (Before the
		// first reset the API answers NOT_FOUND; nothing to show then.)
		if r, err := c.API.Sandbox.Status(c.Ctx()); err == nil && r.Status != jobq.JobSucceeded {
			d.Reset = r
		}
	}
	opts, err := sandboxOrg(c, &d)
	if err != nil {
		v.Err, d.ListErr = err, true
		v.Data = d
		return c.Render(max(status, apiStatusOK(err)), "sandbox.html", v)
	}
	if d.NoOrgs {
		v.Data = d
		return c.Render(status, "sandbox.html", v)
	}
	query := c.R.URL.Query()
	limit, skip := pageParams(query)
	q := hapihub.NewQuery().Limit(limit).Skip(skip).WithTotal()
	if s := strings.TrimSpace(query.Get("q")); s != "" && t.Searchable {
		d.Search = s
		q.Search(s)
	}
	rows, total, err := t.list(c, q, opts)
	if err != nil {
		if v.Err == nil {
			v.Err = err
		}
		d.ListErr = true
		v.Data = d
		return c.Render(max(status, apiStatusOK(err)), "sandbox.html", v)
	}
	linkRows(c, t, rows, d.Org)
	d.Rows = rows
	d.Pager = newPager(c, "/sandbox/"+t.Name, limit, skip, len(rows), total)
	v.Data = d
	return c.Render(status, "sandbox.html", v)
}

// linkRows links each row to its object's page; the first column opens it too.
func linkRows(c *Call, t sandboxTab, rows []row, org string) {
	for i := range rows {
		rows[i].Href = c.Mount + "/sandbox/" + t.Name + "/" + url.PathEscape(rows[i].ID) + orgQuery(org)
		if len(rows[i].Cells) > 0 && rows[i].Cells[0].Href == "" && rows[i].Cells[0].Time == 0 && rows[i].Cells[0].Pill == "" {
			rows[i].Cells[0].Href = rows[i].Href
		}
	}
}

// apiStatusOK is the status of a page whose list the API refused: its status for 4xx (a viewer
// refused, a bad search), 502 when the API failed.
func apiStatusOK(err error) int {
	s := apiStatus(err)
	if s >= 500 {
		return http.StatusBadGateway
	}
	return s
}

// resetSandbox resets St. Mungo's through the API (test mode only; the API refuses viewers).
func resetSandbox(c *Call) error {
	c.R.SetPathValue("resource", c.Form("resource"))
	if c.Session.Mode == domain.Live {
		return sandboxPage(c, http.StatusBadRequest, userErr("Live data is never reset; switch to test mode to reset the sandbox."), "")
	}
	if _, err := c.API.Sandbox.Reset(c.Ctx()); err != nil {
		return sandboxPage(c, apiStatus(err), err, "")
	}
	back := "/sandbox"
	if _, ok := findTab(c.Form("resource")); ok {
		back += "/" + c.Form("resource")
	}
	return c.Redirect(back, "Sandbox reset started: "+jobq.Name+" is being restored in the background; this page shows its progress.")
}
