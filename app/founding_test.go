package app

import "testing"

func TestProvisionalReason(t *testing.T) {
	cases := []struct {
		name string
		st   CodeStanding
		want string
	}{
		{"founding PC (or one that met its office), no hub", CodeStanding{Founded: true}, ""},
		{"PC alone, never met its office", CodeStanding{}, ProvisionalOfficeNotMet},
		{"hub configured, not enrolled, founding", CodeStanding{Founded: true, Hub: true}, ProvisionalNotEnrolled},
		{"hub configured, not enrolled, alone", CodeStanding{Hub: true}, ProvisionalNotEnrolled},
		{"enrolled with the hub", CodeStanding{Hub: true, Enrolled: true}, ""},
		{"enrolled office, hub flag dropped", CodeStanding{Enrolled: true}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ProvisionalReason(tc.st); got != tc.want {
				t.Errorf("ProvisionalReason(%+v) = %q, want %q", tc.st, got, tc.want)
			}
			if tc.want != "" {
				if code := ErrorCode(ProvisionalError(tc.want)); code != EUnavailable {
					t.Errorf("ProvisionalError(%q) code %q, want %q (the desk goes on with provisional codes)", tc.want, code, EUnavailable)
				}
			}
		})
	}
}

// The founder set by the founding PC's setup survives a later configuration
// without one (the setup of a PC that merged in, an admin's edit), whatever
// the order the commands fold in.
func TestCommuneConfigKeepsFounder(t *testing.T) {
	founding := &CommuneConfig{Commune: "14701", Founder: "nA"}
	joiner := &CommuneConfig{Commune: "14701", Agency: "000.00.31.H42"}
	var c CommuneConfig
	c.Apply(Command{}, founding)
	c.Apply(Command{}, joiner)
	if c.Founder != "nA" || c.Agency != "000.00.31.H42" {
		t.Errorf("after founding then joiner: %+v, want founder nA and the joiner's agency", c)
	}
	var d CommuneConfig
	d.Apply(Command{}, joiner)
	if d.Founder != "" {
		t.Errorf("a joiner's setup alone names founder %q", d.Founder)
	}
	d.Apply(Command{}, founding)
	if d.Founder != "nA" {
		t.Errorf("after joiner then founding: founder %q, want nA", d.Founder)
	}
}
