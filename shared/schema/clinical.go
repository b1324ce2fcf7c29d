package schema

// The clinical resources besides patients, and organizations (docs/decisions.md#resources). Rules
// that span fields or objects (references, transitions, totals) live in shared/clinic.

// Enumerations shared by schemas, rules and seed data, so they cannot drift apart.
var (
	AppointmentStatuses = []string{"proposed", "booked", "arrived", "fulfilled", "cancelled", "noshow"}
	MessageDirections   = []string{"inbound", "outbound"}
	MessageChannels     = []string{"sms", "email", "portal"}
	InvoiceStatuses     = []string{"draft", "open", "paid", "void"}
)

// ClinicalResources are the resources a practice-management system may or may not support; an
// organization's capabilities list methods for exactly these.
var ClinicalResources = []string{"patients", "practitioners", "appointments", "messages", "invoices"}

func externalIDField(object string) *Field {
	return &Field{Name: "externalId", Type: String, MaxLen: 255, Indexed: true,
		Desc: "The id of this " + object + " in the practice-management system. A create with an externalId that already exists returns the existing object (200)."}
}

// Practitioners are the clinicians of an organization.
var Practitioners = Register(New(Resource{
	Name: "practitioners", Object: "practitioner", Prefix: "prac",
	Desc:        "A clinician working at the organization.",
	SortIndexes: [][]string{{"lastName", "firstName"}},
	Fields: []*Field{
		externalIDField("practitioner"),
		{Name: "firstName", Type: String, Required: true, MaxLen: 100, Searchable: true},
		{Name: "lastName", Type: String, Required: true, MaxLen: 100, Searchable: true, Indexed: true},
		{Name: "title", Type: String, MaxLen: 50, Desc: "Dr, Nurse, ..."},
		{Name: "specialty", Type: String, MaxLen: 100, Searchable: true, Indexed: true},
		{Name: "email", Type: String, Format: FormatEmail, MaxLen: 254},
		{Name: "phone", Type: String, Format: FormatPhone, Desc: "E.164, e.g. +14155550123."},
		{Name: "active", Type: Boolean, Default: true, Indexed: true},
	},
}))

// Appointments book a patient with a practitioner.
var Appointments = Register(New(Resource{
	Name: "appointments", Object: "appointment", Prefix: "appt",
	Desc: "A patient's appointment with a practitioner. Status changes follow the transitions in docs/resources.md.",
	Fields: []*Field{
		externalIDField("appointment"),
		{Name: "patientId", Type: String, Format: FormatID, Ref: "patients", Required: true, Indexed: true, Desc: "The patient; must exist in the same organization."},
		{Name: "practitionerId", Type: String, Format: FormatID, Ref: "practitioners", Indexed: true, Desc: "The practitioner; must exist in the same organization."},
		{Name: "startsAt", Type: Timestamp, Required: true, Indexed: true, Desc: "Start, Unix ms UTC."},
		{Name: "endsAt", Type: Timestamp, Required: true, Desc: "End, Unix ms UTC; after startsAt."},
		{Name: "status", Type: String, Enum: AppointmentStatuses, Default: "booked", Indexed: true},
		{Name: "reason", Type: String, MaxLen: 500, Searchable: true},
		{Name: "notes", Type: String, MaxLen: 5000, Searchable: true},
		{Name: "cancellationReason", Type: String, MaxLen: 500, Desc: "Required when the status becomes cancelled; kept afterwards."},
	},
}))

// Messages are conversations between a clinic and its patients, grouped in rooms.
var Messages = Register(New(Resource{
	Name: "messages", Object: "message", Prefix: "msg",
	Desc: "A message between the organization and a patient, in a conversation room.",
	Fields: []*Field{
		{Name: "patientId", Type: String, Format: FormatID, Ref: "patients", Required: true, Indexed: true, Desc: "The patient; must exist in the same organization."},
		{Name: "roomId", Type: String, Required: true, MaxLen: 64, Indexed: true, Desc: "The conversation this message belongs to."},
		{Name: "direction", Type: String, Enum: MessageDirections, Required: true},
		{Name: "channel", Type: String, Enum: MessageChannels, Required: true, Indexed: true},
		{Name: "title", Type: String, MaxLen: 200, Searchable: true},
		{Name: "text", Type: String, Required: true, MaxLen: 10000, Searchable: true},
		{Name: "read", Type: Boolean, Default: false, Indexed: true},
		{Name: "archived", Type: Boolean, Default: false, Indexed: true},
	},
}))

// Invoices bill a patient; amounts are integers in the currency's minor unit.
var Invoices = Register(New(Resource{
	Name: "invoices", Object: "invoice", Prefix: "inv",
	Desc: "A bill to a patient. Amounts are integers in the currency's smallest unit (JPY is not multiplied).",
	Fields: []*Field{
		externalIDField("invoice"),
		{Name: "patientId", Type: String, Format: FormatID, Ref: "patients", Required: true, Indexed: true, Desc: "The patient billed; must exist in the same organization."},
		{Name: "appointmentId", Type: String, Format: FormatID, Ref: "appointments", Desc: "The appointment billed, if any; must exist in the same organization. While an invoice names it, the appointment cannot be deleted."},
		{Name: "status", Type: String, Enum: InvoiceStatuses, Default: "draft", Indexed: true, Desc: "paid and void are final."},
		{Name: "currency", Type: String, Format: FormatCurrency, Required: true, Desc: "ISO 4217, e.g. USD."},
		{Name: "lineItems", Type: Array, MaxLen: 100, Default: []any{}, Elem: &Field{Name: "lineItem", Type: Object, Fields: []*Field{
			{Name: "description", Type: String, Required: true, MaxLen: 500},
			{Name: "quantity", Type: Integer, Required: true, Min: i64(1), Max: i64(1_000_000)},
			{Name: "unitAmount", Type: Integer, Required: true, Min: i64(0), Max: i64(1_000_000_000_000), Desc: "Price of one unit in the currency's smallest unit."},
		}}},
		{Name: "total", Type: Integer, ReadOnly: true, Desc: "Sum of quantity × unitAmount over lineItems, computed by HAPI Hub."},
		{Name: "amountPaid", Type: Integer, Default: int64(0), Min: i64(0), Desc: "At most total; equals total once paid."},
		{Name: "dueAt", Type: Timestamp, Indexed: true, Desc: "Due date, Unix ms UTC."},
	},
}))

// capabilitiesField lists, per clinical resource, the methods the organization's PMS supports.
func capabilitiesField() *Field {
	f := &Field{Name: "capabilities", Type: Object, ReadOnly: true,
		Desc: "Methods the organization's practice-management system supports, per resource; others answer METHOD_NOT_SUPPORTED."}
	methods := make([]string, len(AllMethods))
	for i, m := range AllMethods {
		methods[i] = string(m)
	}
	for _, r := range ClinicalResources {
		f.Fields = append(f.Fields, &Field{Name: r, Type: Array, Elem: &Field{Name: "method", Type: String, Enum: methods}})
	}
	return f
}

// Organizations are clinics. API keys read them and may only change their metadata.
var Organizations = Register(New(Resource{
	Name: "organizations", Object: "organization", Prefix: "org",
	Desc:    "A clinic. Test keys reach the sandbox organization; live keys the organizations the account is connected to. Only metadata can be changed.",
	Methods: []Method{Find, Get, Patch},
	Fields: []*Field{
		{Name: "name", Type: String, ReadOnly: true, Searchable: true},
		{Name: "pms", Type: String, ReadOnly: true, Desc: "The practice-management system behind the organization."},
		{Name: "timezone", Type: String, ReadOnly: true, Desc: "IANA time zone, e.g. Europe/London."},
		readOnly(addressField()),
		{Name: "phone", Type: String, Format: FormatPhone, ReadOnly: true},
		{Name: "email", Type: String, Format: FormatEmail, ReadOnly: true},
		capabilitiesField(),
	},
}))

func readOnly(f *Field) *Field {
	f.ReadOnly = true
	return f
}
