package apiversion_test

import (
	"fmt"
	"testing"

	"github.com/hapihub/hapihub/shared/apiversion"
)

// What translation costs per response: nothing on the newest version; on a version one change
// behind, a JSON round trip of the body plus the change (a list page of 100 patients here).
func BenchmarkResponseTranslation(b *testing.B) {
	r := apiversion.NewRegistry("2026-01-01", apiversion.Change{Version: "2026-06-01", Response: func(_ string, body any) any {
		for _, it := range body.(map[string]any)["data"].([]any) {
			p := it.(map[string]any)
			p["emailAddress"] = p["email"]
			delete(p, "email")
		}
		return body
	}})
	page := map[string]any{"total": 100, "limit": 100, "skip": 0}
	data := make([]any, 100)
	for i := range data {
		data[i] = map[string]any{"id": fmt.Sprintf("pat_%026d", i), "object": "patient", "firstName": "Ada", "lastName": "Lovelace",
			"email": "ada@example.com", "phone": "+14155550123", "createdAt": 1765000000000, "metadata": map[string]any{"k": "v"}}
	}
	page["data"] = data
	for _, v := range []apiversion.Version{"2026-06-01", "2026-01-01"} {
		b.Run(string(v), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := r.Response("patients", page, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
