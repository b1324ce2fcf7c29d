package schema

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// The format tables are built at first use, not at package init: most functions link the
// schemas but validate no phone, country or currency before their first request.
var e164 = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`) })

// countries is ISO 3166-1 alpha-3 (the 249 officially assigned codes).
var countries = sync.OnceValue(func() map[string]bool {
	return toSet(`AFG ALA ALB DZA ASM AND AGO AIA ATA ATG ARG ARM ABW AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BMU
BTN BOL BES BIH BWA BVT BRA IOT BRN BGR BFA BDI CPV KHM CMR CAN CYM CAF TCD CHL CHN CXR CCK COL COM COG COD COK CRI CIV
HRV CUB CUW CYP CZE DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FLK FRO FJI FIN FRA GUF PYF ATF GAB GMB GEO DEU GHA
GIB GRC GRL GRD GLP GUM GTM GGY GIN GNB GUY HTI HMD VAT HND HKG HUN ISL IND IDN IRN IRQ IRL IMN ISR ITA JAM JPN JEY JOR
KAZ KEN KIR PRK KOR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MAC MDG MWI MYS MDV MLI MLT MHL MTQ MRT MUS MYT MEX FSM
MDA MCO MNG MNE MSR MAR MOZ MMR NAM NRU NPL NLD NCL NZL NIC NER NGA NIU NFK MKD MNP NOR OMN PAK PLW PSE PAN PNG PRY PER
PHL PCN POL PRT PRI QAT REU ROU RUS RWA BLM SHN KNA LCA MAF SPM VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SXM SVK SVN SLB
SOM ZAF SGS SSD ESP LKA SDN SUR SJM SWE CHE SYR TWN TJK TZA THA TLS TGO TKL TON TTO TUN TUR TKM TCA TUV UGA UKR ARE GBR
USA UMI URY UZB VUT VEN VNM VGB VIR WLF ESH YEM ZMB ZWE`)
})

// currencyExponent maps active ISO 4217 codes to their minor-unit exponent; money is an integer
// in the minor unit, so JPY (0) is not multiplied and KWD (3) is in fils.
var currencyExponent = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	for code := range toSet(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD
CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS
INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWL`) {
		m[code] = 2
	}
	for code := range toSet(`BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF`) {
		m[code] = 0
	}
	for code := range toSet(`BHD IQD JOD KWD LYD OMR TND`) {
		m[code] = 3
	}
	return m
})

func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// CurrencyExponent returns the minor-unit exponent of an ISO 4217 code.
func CurrencyExponent(code string) (int, bool) {
	e, ok := currencyExponent()[code]
	return e, ok
}

// IsCountry reports whether c is an ISO 3166-1 alpha-3 code.
func IsCountry(c string) bool { return countries()[c] }

// checkFormat returns a message when s breaks f, and the normalised value.
func checkFormat(f *Field, s string) (string, string) {
	switch f.Format {
	case FormatEmail:
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
			return s, "must be a valid email address such as jane@example.com"
		}
	case FormatPhone:
		if !e164().MatchString(s) {
			return s, "must be an E.164 phone number such as +14155550123"
		}
	case FormatCountry:
		up := strings.ToUpper(s)
		if !countries()[up] {
			return s, "must be an ISO 3166-1 alpha-3 country code such as USA or GBR"
		}
		return up, ""
	case FormatCurrency:
		up := strings.ToUpper(s)
		if _, ok := currencyExponent()[up]; !ok {
			return s, "must be an ISO 4217 currency code such as USD or EUR"
		}
		return up, ""
	case FormatID:
		if f.Ref != "" {
			if r, ok := Lookup(f.Ref); ok && !strings.HasPrefix(s, r.Prefix+"_") {
				return s, "must be the id of a " + r.Object + " (" + r.Prefix + "_...)"
			}
		}
	case FormatURL:
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return s, "must be an absolute http or https URL"
		}
	}
	return s, ""
}
