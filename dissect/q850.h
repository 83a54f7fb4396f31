/*
 * q850.h - the ITU-T Q.850 cause table, kept as data in dissect/q850.c.
 *
 * Reference: ITU-T Recommendation Q.850 (05/1998) "Usage of cause and
 * location in the Digital Subscriber Signalling System No. 1 and the
 * Signalling System No. 7 ISDN User Part", §2.2.5 (cause value: class in
 * bits 7-5, value in class in bits 4-1) and Table 1 (cause values), with
 * the values added by its later amendments (14, 24).  Q.850 is also the
 * "Q.850" protocol of the SIP Reason header (RFC 3326).
 *
 * Every value 1..127 has a name: values Q.850 leaves unassigned are named
 * as such ("unassigned cause value") and q850_is_assigned() is 0 for them.
 * 0 and values above 127 are not Q.850 causes.  Pure functions, static
 * data, no allocation.
 */
#ifndef SIPLADDER_DISSECT_Q850_H
#define SIPLADDER_DISSECT_Q850_H

#define Q850_MAX 127

/* 1 when 1 <= cause <= 127 and Q.850 Table 1 assigns the value. */
int q850_is_assigned(unsigned cause);

/* Name of the cause ("Normal call clearing").  1..127: the Table 1 name,
 * or "unassigned cause value"; 0: "no cause (0 is not a Q.850 value)";
 * above 127: "not a Q.850 cause value".  Never NULL. */
const char *q850_name(unsigned cause);

/* Class of a cause value (bits 7-5 of the octet, i.e. cause >> 4),
 * 0..7; -1 outside 1..127. */
int q850_class(unsigned cause);

/* Name of a class ("normal event", "resource unavailable", ...);
 * "" for an invalid class. */
const char *q850_class_name(int cls);

/* The reference of the table, for reports and --help. */
const char *q850_reference(void);

#endif
