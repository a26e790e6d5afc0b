package netns

// What the tests of package netns_test reach inside.
var (
	NSPids   = nsPids
	PidAlive = pidAlive
	IP       = ip
	DeleteNS = deleteNS
	OwnerPid = ownerPid
	Literal  = literal
)

const NSDir = nsDir
