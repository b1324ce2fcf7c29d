package gocheck_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// The README's walk-through: a client on the local stack (make run prints the address and the
// key), and the first patient of St. Mungo's, whose data is the same in every sandbox.
func Example() {
	client := hapihub.New(os.Getenv("HAPIHUB_TEST_SECRET_KEY"), hapihub.WithBaseURL(os.Getenv("HAPIHUB_API_URL")))
	ctx := context.Background()

	page, err := client.Patients.List(ctx, hapihub.Where(hapihub.Eq("externalId", "MRN-100000")))
	if err != nil {
		log.Fatal(err)
	}
	p := page.Data[0]
	fmt.Println(p.FirstName, p.LastName, p.Status)
	// Output:
	// Emily Butler deceased
}

// Filter and sort: five of St. Mungo's patients by their PMS ids, by last name, only the names.
func Example_query() {
	client := hapihub.New(os.Getenv("HAPIHUB_TEST_SECRET_KEY"), hapihub.WithBaseURL(os.Getenv("HAPIHUB_API_URL")))
	q := hapihub.Where(hapihub.In("externalId", "MRN-100000", "MRN-100007", "MRN-100014", "MRN-100021", "MRN-100028")).
		Sort("lastName", hapihub.Asc).Sort("firstName", hapihub.Asc).
		Select("firstName", "lastName").Limit(3).WithTotal()
	page, err := client.Patients.List(context.Background(), q)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range page.Data {
		fmt.Println(p.LastName+",", p.FirstName)
	}
	fmt.Println("total:", *page.Total)
	// Output:
	// Butler, Emily
	// Butler, Ruby
	// Price, Priya
	// total: 5
}

// Every page, fetched as the loop goes: here two objects a page.
func Example_all() {
	client := hapihub.New(os.Getenv("HAPIHUB_TEST_SECRET_KEY"), hapihub.WithBaseURL(os.Getenv("HAPIHUB_API_URL")))
	ctx := context.Background()
	q := hapihub.Where(hapihub.In("externalId", "MRN-100000", "MRN-100007", "MRN-100014", "MRN-100021", "MRN-100028")).
		Sort("externalId", hapihub.Asc).Limit(2)
	for p, err := range client.Patients.All(ctx, q) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.ExternalID, p.FirstName, p.LastName)
	}
	// Output:
	// MRN-100000 Emily Butler
	// MRN-100007 Ruby Butler
	// MRN-100014 Maya Robinson
	// MRN-100021 Alice Rogers
	// MRN-100028 Priya Price
}

// Create, patch with If-Match, and remove a patient. Each write carries an Idempotency-Key, so
// the client's retries never create a second patient.
func Example_create() {
	client := hapihub.New(os.Getenv("HAPIHUB_TEST_SECRET_KEY"), hapihub.WithBaseURL(os.Getenv("HAPIHUB_API_URL")))
	ctx := context.Background()

	p, err := client.Patients.Create(ctx, &hapihub.Patient{
		FirstName:   "Ada",
		LastName:    "Lovelace",
		DateOfBirth: hapihub.Ptr(hapihub.Date(1815, time.December, 10)),
		Phone:       "+442079460000",
		Address:     &hapihub.Address{City: "London", Country: "GBR"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.FirstName, p.LastName, hapihub.Time(*p.DateOfBirth).Format(time.DateOnly), p.Address.Country)

	var resp hapihub.Response
	if _, err := client.Patients.Get(ctx, p.ID, hapihub.CaptureResponse(&resp)); err != nil {
		log.Fatal(err)
	}
	p, err = client.Patients.Patch(ctx, p.ID, &hapihub.Patient{PreferredName: "Ada"}, hapihub.IfMatch(resp.ETag()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("preferred name:", p.PreferredName)

	removed, err := client.Patients.Delete(ctx, p.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted:", removed.Deleted)
	// Output:
	// Ada Lovelace 1815-12-10 GBR
	// preferred name: Ada
	// deleted: true
}

// Errors are *hapihub.Error values with the API's name, message, event id and field errors.
func Example_error() {
	client := hapihub.New(os.Getenv("HAPIHUB_TEST_SECRET_KEY"), hapihub.WithBaseURL(os.Getenv("HAPIHUB_API_URL")))
	_, err := client.Patients.Create(context.Background(), &hapihub.Patient{FirstName: "Ada"})
	var apiErr *hapihub.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Name)
		for _, f := range apiErr.Fields {
			fmt.Println(f.Field+":", f.Message)
		}
	}
	_, err = client.Patients.Get(context.Background(), "pat_00000000000000000000000000")
	fmt.Println(errors.Is(err, hapihub.ErrNotFound))
	// Output:
	// 400 INVALID_PARAMETERS
	// lastName: is required
	// true
}

// A webhook receiver: ReadEvent checks the HapiHub-Signature against the endpoint's secret and
// the body, and refuses deliveries older than five minutes.
func Example_readEvent() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // from WebhookEndpoints.Create or Get
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := hapihub.ReadEvent(r, secret)
		if err != nil {
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		if ev.Type == "patient.updated" {
			var p hapihub.Patient
			if err := ev.Decode(&p); err == nil {
				fmt.Println("patient", p.ID, "changed")
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
	_ = handler

	body := []byte(`{"id":"evt_1","object":"event","type":"patient.updated","data":{"object":{"id":"pat_1"}}}`)
	sig := hapihub.Sign(body, secret, time.Now())
	ev, err := hapihub.ConstructEvent(body, sig, secret)
	fmt.Println(ev.Type, err)
	fmt.Println(hapihub.ConstructEvent(body, sig, "whsec_someoneelse"))
	// Output:
	// patient.updated <nil>
	// <nil> hapihub: no signature matches the payload
}
