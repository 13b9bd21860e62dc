// SPEAKS FOR in a run saved as one transaction: a later failure leaves no link.
SOURCE (tass:MediaOrganization {name: 'TASS'}) SPEAKS FOR reuters;
VOICE reuters SPEAKS FOR khusham;
RETURN 1 / 0;
