/*
 * q850.c - ITU-T Q.850 cause values (see q850.h for the reference).
 *
 * Table 1 of Q.850 (05/1998) as data, indexed by the cause value; NULL
 * marks a value the Recommendation leaves unassigned.  Values marked
 * "national use" in Q.850 (2, 5, 70, 91) keep their international name.
 * 14 and 24 were added by amendments to the 1998 edition.
 */
#include "dissect/q850.h"

#include <stddef.h>

static const char *const names[Q850_MAX + 1] = {
    /* class 000: normal event */
    [1] = "Unallocated (unassigned) number",
    [2] = "No route to specified transit network",
    [3] = "No route to destination",
    [4] = "Send special information tone",
    [5] = "Misdialled trunk prefix",
    [6] = "Channel unacceptable",
    [7] = "Call awarded and being delivered in an established channel",
    [8] = "Preemption",
    [9] = "Preemption - circuit reserved for reuse",
    [14] = "QoR: ported number",
    /* class 001: normal event */
    [16] = "Normal call clearing",
    [17] = "User busy",
    [18] = "No user responding",
    [19] = "No answer from user (user alerted)",
    [20] = "Subscriber absent",
    [21] = "Call rejected",
    [22] = "Number changed",
    [23] = "Redirection to new destination",
    [24] = "Call rejected due to feature at the destination",
    [25] = "Exchange routing error",
    [26] = "Non-selected user clearing",
    [27] = "Destination out of order",
    [28] = "Invalid number format (address incomplete)",
    [29] = "Facility rejected",
    [30] = "Response to STATUS ENQUIRY",
    [31] = "Normal, unspecified",
    /* class 010: resource unavailable */
    [34] = "No circuit/channel available",
    [38] = "Network out of order",
    [39] = "Permanent frame mode connection out of service",
    [40] = "Permanent frame mode connection operational",
    [41] = "Temporary failure",
    [42] = "Switching equipment congestion",
    [43] = "Access information discarded",
    [44] = "Requested circuit/channel not available",
    [46] = "Precedence call blocked",
    [47] = "Resource unavailable, unspecified",
    /* class 011: service or option not available */
    [49] = "Quality of service not available",
    [50] = "Requested facility not subscribed",
    [53] = "Outgoing calls barred within CUG",
    [55] = "Incoming calls barred within CUG",
    [57] = "Bearer capability not authorized",
    [58] = "Bearer capability not presently available",
    [62] = "Inconsistency in designated outgoing access information and subscriber class",
    [63] = "Service or option not available, unspecified",
    /* class 100: service or option not implemented */
    [65] = "Bearer capability not implemented",
    [66] = "Channel type not implemented",
    [69] = "Requested facility not implemented",
    [70] = "Only restricted digital information bearer capability is available",
    [79] = "Service or option not implemented, unspecified",
    /* class 101: invalid message */
    [81] = "Invalid call reference value",
    [82] = "Identified channel does not exist",
    [83] = "A suspended call exists, but this call identity does not",
    [84] = "Call identity in use",
    [85] = "No call suspended",
    [86] = "Call having the requested call identity has been cleared",
    [87] = "User not member of CUG",
    [88] = "Incompatible destination",
    [90] = "Non-existent CUG",
    [91] = "Invalid transit network selection",
    [95] = "Invalid message, unspecified",
    /* class 110: protocol error */
    [96] = "Mandatory information element is missing",
    [97] = "Message type non-existent or not implemented",
    [98] = "Message not compatible with call state or message type non-existent or not implemented",
    [99] = "Information element/parameter non-existent or not implemented",
    [100] = "Invalid information element contents",
    [101] = "Message not compatible with call state",
    [102] = "Recovery on timer expiry",
    [103] = "Parameter non-existent or not implemented, passed on",
    [110] = "Message with unrecognized parameter, discarded",
    [111] = "Protocol error, unspecified",
    /* class 111: interworking */
    [127] = "Interworking, unspecified",
};

static const char *const class_names[8] = {
    "normal event",
    "normal event",
    "resource unavailable",
    "service or option not available",
    "service or option not implemented",
    "invalid message",
    "protocol error",
    "interworking",
};

int q850_is_assigned(unsigned cause)
{
    return cause >= 1 && cause <= Q850_MAX && names[cause] != NULL;
}

const char *q850_name(unsigned cause)
{
    if (cause == 0)
        return "no cause (0 is not a Q.850 value)";
    if (cause > Q850_MAX)
        return "not a Q.850 cause value";
    return names[cause] ? names[cause] : "unassigned cause value";
}

int q850_class(unsigned cause)
{
    if (cause < 1 || cause > Q850_MAX)
        return -1;
    return (int)(cause >> 4);
}

const char *q850_class_name(int cls)
{
    return cls >= 0 && cls < 8 ? class_names[cls] : "";
}

const char *q850_reference(void)
{
    return "ITU-T Q.850 (05/1998) Table 1, with its amendments";
}
