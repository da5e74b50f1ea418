def upcoming(request, kind):
    return {}
